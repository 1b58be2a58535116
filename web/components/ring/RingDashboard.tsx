'use client';

import { useMemo } from 'react';
import { DEFAULT_LAYOUT, ringPicture } from '../../lib/ring-view/picture.ts';
import { ChangeLog } from './ChangeLog.tsx';
import { DocumentTable } from './DocumentTable.tsx';
import { MemberTable } from './MemberTable.tsx';
import { RingDiagram } from './RingDiagram.tsx';
import styles from './ring.module.css';
import { useRingStream } from './useRingStream.ts';
import { WebRolloutPanel } from './WebRolloutPanel.tsx';

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
} as const;

/**
 * The ops dashboard (DESIGN W5): the ring drawn live from `/api/ring/stream` — members and
 * states, arcs, documents on the ring, per-node load — plus the same data as tables and a log
 * of membership changes. Test hooks: `ring-dashboard` (`data-connection`), `ring-epoch`
 * (`data-epoch`), `member-<id>` (`data-state`), `ring-doc` / `ring-document` (`data-doc`).
 */
export function RingDashboard({ streamUrl = '/api/ring/stream' }: { streamUrl?: string }) {
  const { snapshot, connection, changes } = useRingStream(streamUrl);
  const picture = useMemo(
    () => (snapshot ? ringPicture(snapshot, DEFAULT_LAYOUT) : null),
    [snapshot],
  );
  return (
    <main
      className={`page ${styles.dashboard}`}
      data-testid="ring-dashboard"
      data-connection={connection}
    >
      <div className={styles.heading}>
        <h1>Ring</h1>
        <p className={styles.status} role="status">
          <span className={`${styles.dot} ${styles[connection]}`} aria-hidden="true" />
          {CONNECTION_TEXT[connection]}
          {snapshot ? (
            <>
              {' · '}
              <span data-testid="ring-epoch" data-epoch={snapshot.epoch}>
                epoch {snapshot.epoch}
              </span>
              {` · ${snapshot.vnodes} virtual nodes per member`}
            </>
          ) : null}
        </p>
      </div>
      {snapshot && picture ? (
        <>
          <div className={styles.overview}>
            <figure className={styles.figure}>
              <RingDiagram snapshot={snapshot} picture={picture} layout={DEFAULT_LAYOUT} />
              <figcaption className={styles.legend}>
                Point 0 at the top, clockwise. Outer band: who owns each stretch of the ring; dashed
                inner arcs: what a joining member will take over or a draining one handed off. Dots:
                documents at their routing point — filled when loaded, hollow when only on disk,
                dashed outline while held away from their owner.
              </figcaption>
            </figure>
            <section className={styles.side} aria-labelledby="ring-members-heading">
              <h2 id="ring-members-heading">Members</h2>
              <div className={styles.wide}>
                <MemberTable members={snapshot.members} picture={picture} />
              </div>
              <h2>Recent changes</h2>
              <ChangeLog changes={changes} />
            </section>
          </div>
          <WebRolloutPanel />
          <section aria-labelledby="ring-documents-heading">
            <h2 id="ring-documents-heading">Documents ({snapshot.documentsTotal})</h2>
            <DocumentTable snapshot={snapshot} picture={picture} />
          </section>
        </>
      ) : (
        <p className="loading">Waiting for the cluster’s membership…</p>
      )}
    </main>
  );
}
