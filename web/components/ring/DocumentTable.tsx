import type { RingPicture } from '../../lib/ring-view/picture.ts';
import type { RingSnapshot } from '../../lib/ring-view/types.ts';
import styles from './ring.module.css';

/**
 * The documents the nodes reported, with their owner in the ring and where they are held
 * (the table twin of the dots on the ring).
 */
export function DocumentTable({
  snapshot,
  picture,
}: {
  snapshot: RingSnapshot;
  picture: RingPicture;
}) {
  const owners = new Map(picture.documents.map((d) => [d.id, d] as const));
  if (snapshot.documents.length === 0) {
    return <p className={styles.muted}>No node holds a document yet.</p>;
  }
  return (
    // A scrollable region must be reachable by keyboard (axe: scrollable-region-focusable).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: scrolling by keyboard needs focus
    <section className={styles.scroll} tabIndex={0} aria-label="Documents on the ring">
      <table className={styles.table} data-testid="ring-documents">
        <caption className="visually-hidden">
          Documents, their owner and where they are held
        </caption>
        <thead>
          <tr>
            <th scope="col">Document</th>
            <th scope="col">Owner</th>
            <th scope="col">Loaded on</th>
            <th scope="col">Stored on</th>
          </tr>
        </thead>
        <tbody>
          {snapshot.documents.map((doc) => {
            const placed = owners.get(doc.id);
            return (
              <tr key={doc.id} data-testid="ring-document" data-doc={doc.id}>
                <th scope="row">
                  <code>{doc.id}</code>
                </th>
                <td>
                  {placed?.owner ?? '—'}
                  {placed?.misplaced ? <span className={styles.moving}> moving</span> : null}
                </td>
                <td>{doc.loadedOn.join(', ') || '—'}</td>
                <td>{doc.storedOn.join(', ') || '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {snapshot.documentsTotal > snapshot.documents.length ? (
        <p className={styles.muted}>
          Showing {snapshot.documents.length} of {snapshot.documentsTotal} documents.
        </p>
      ) : null}
    </section>
  );
}
