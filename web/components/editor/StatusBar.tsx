'use client';

import { type ReactNode, useEffect, useState } from 'react';
import { describeNode, describeStatus, type ProviderSnapshot } from '../../lib/collab/snapshot.ts';

/**
 * Connection status (DESIGN W2): the serving node and connecting / connected / saving /
 * saved / offline / upgrade required, and who is here (`children`). It sticks to the bottom
 * of the window, so it stays visible in long documents and on phones. Tests wait on
 * `data-state` and `data-node`.
 */
export function StatusBar({
  snapshot,
  build,
  children,
}: {
  snapshot: ProviderSnapshot;
  build: string;
  children?: ReactNode;
}) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (snapshot.phase !== 'waiting') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [snapshot.phase]);
  const view = describeStatus(snapshot, now);
  const title = snapshot.lastClose
    ? `Last disconnect: ${snapshot.lastClose.code} ${snapshot.lastClose.reason}`
    : undefined;
  return (
    <footer
      className="status-bar"
      data-testid="status"
      data-state={view.state}
      data-phase={snapshot.phase}
      data-node={snapshot.node ?? ''}
      data-unsynced={snapshot.unsynced ? 'true' : 'false'}
      data-redirects={snapshot.redirects}
      data-epoch={snapshot.epoch}
    >
      <span className={`status-dot status-${view.state}`} aria-hidden="true" />
      <output className="status-label" aria-live="polite" title={title}>
        {view.label}
      </output>
      {children}
      <span className="status-node" data-testid="status-node">
        {describeNode(snapshot)}
      </span>
      <span className="status-build">Build {build}</span>
    </footer>
  );
}
