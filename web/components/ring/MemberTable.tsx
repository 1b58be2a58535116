import type { RingPicture } from '../../lib/ring-view/picture.ts';
import type { DashboardMember } from '../../lib/ring-view/types.ts';
import styles from './ring.module.css';

export interface MemberTableProps {
  readonly members: readonly DashboardMember[];
  readonly picture: RingPicture;
}

/**
 * Every registered member: colour, state, share of the ring and load (documents loaded and
 * stored, connections) as numbers with bars scaled to the busiest member. A member whose node
 * did not answer shows "no answer". Rows carry `data-testid="member-<id>"` and `data-state`.
 */
export function MemberTable({ members, picture }: MemberTableProps) {
  const max = (pick: (m: DashboardMember) => number) =>
    Math.max(1, ...members.map((m) => (m.load ? pick(m) : 0)));
  const maxLoaded = max((m) => m.load?.loaded ?? 0);
  const maxStored = max((m) => m.load?.stored ?? 0);
  const maxConnections = max((m) => m.load?.connections ?? 0);
  return (
    <table className={styles.table} data-testid="ring-members" data-count={members.length}>
      <caption className="visually-hidden">Members, their state and load</caption>
      <thead>
        <tr>
          <th scope="col">Member</th>
          <th scope="col">State</th>
          <th scope="col">Ring share</th>
          <th scope="col">Loaded</th>
          <th scope="col">Stored</th>
          <th scope="col">Connections</th>
        </tr>
      </thead>
      <tbody>
        {members.length === 0 ? (
          <tr>
            <td colSpan={6}>No member is registered.</td>
          </tr>
        ) : null}
        {members.map((m) => {
          const share = picture.shares.get(m.id);
          return (
            <tr
              key={m.id}
              data-testid={`member-${m.id}`}
              data-state={m.state}
              data-reachable={m.load !== null}
            >
              <th scope="row">
                <span
                  className={styles.swatch}
                  style={{ background: picture.colours.get(m.id) }}
                  aria-hidden="true"
                />
                {m.id}
                <span className={styles.url}>{m.url}</span>
              </th>
              <td>
                <span className={`${styles.state} ${styles[m.state]}`}>{m.state}</span>
              </td>
              <td>{share === undefined ? '—' : `${(share * 100).toFixed(1)}%`}</td>
              {m.load ? (
                <>
                  <Bar value={m.load.loaded} max={maxLoaded} testId={`load-${m.id}-loaded`} />
                  <Bar value={m.load.stored} max={maxStored} testId={`load-${m.id}-stored`} />
                  <Bar
                    value={m.load.connections}
                    max={maxConnections}
                    testId={`load-${m.id}-connections`}
                  />
                </>
              ) : (
                <td colSpan={3} className={styles.muted}>
                  no answer
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Bar({ value, max, testId }: { value: number; max: number; testId: string }) {
  return (
    <td data-testid={testId} data-value={value}>
      <span className={styles.barValue}>{value}</span>
      <span className={styles.bar} aria-hidden="true">
        <span style={{ width: `${Math.round((value / max) * 100)}%` }} />
      </span>
    </td>
  );
}
