import { describeChange, type MembershipChange } from '../../lib/ring-view/changes.ts';
import styles from './ring.module.css';

/** Membership changes seen since the page opened, newest first (a polite live region). */
export function ChangeLog({ changes }: { changes: readonly MembershipChange[] }) {
  return (
    <ol className={styles.changes} aria-live="polite" data-testid="ring-changes">
      {changes.length === 0 ? (
        <li className={styles.muted}>No change since the page opened.</li>
      ) : null}
      {changes.map((c, i) => (
        <li
          // biome-ignore lint/suspicious/noArrayIndexKey: changes are append-only, newest first
          key={`${changes.length - i}`}
          data-testid="ring-change"
          data-member={c.member}
          data-from={c.from ?? ''}
          data-to={c.to ?? ''}
        >
          <span className={styles.epoch}>epoch {c.epoch}</span> {describeChange(c)}
        </li>
      ))}
    </ol>
  );
}
