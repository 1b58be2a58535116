'use client';

import { type ReactNode, useEffect, useState } from 'react';
import {
  describeNode,
  describeStatus,
  nextCountdownTickMs,
  type ProviderSnapshot,
} from '../../lib/collab/snapshot.ts';

/**
 * Connection status (DESIGN W2): the serving node and connecting / connected / saving /
 * saved / offline / upgrade required, and who is here (`children`). It sticks to the bottom
 * of the window, so it stays visible in long documents and on phones. Tests wait on
 * `data-state` and `data-node`.
 */
export function StatusBar({
  snapshot,
  build,
  onRetryNow,
  children,
}: {
  snapshot: ProviderSnapshot;
  build: string;
  /** Reconnects at once (the "Retry now" button while waiting). */
  onRetryNow?: () => void;
  children?: ReactNode;
}) {
  const [now, setNow] = useState(() => Date.now());
  // The countdown follows the real next attempt: it re-renders when its number changes.
  useEffect(() => {
    const retryAt = snapshot.phase === 'waiting' ? snapshot.retryAt : null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      const current = Date.now();
      setNow(current);
      const wait = nextCountdownTickMs(retryAt, current);
      if (wait !== null) timer = setTimeout(arm, wait + 5);
    };
    arm();
    return () => clearTimeout(timer);
  }, [snapshot.phase, snapshot.retryAt]);
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
      {snapshot.phase === 'waiting' && onRetryNow ? (
        <button
          type="button"
          className="status-retry"
          data-testid="retry-now"
          onClick={() => onRetryNow()}
        >
          Retry now
        </button>
      ) : null}
      {children}
      <span className="status-node" data-testid="status-node">
        {describeNode(snapshot)}
      </span>
      <span className="status-build">Build {build}</span>
    </footer>
  );
}
