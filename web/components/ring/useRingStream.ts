'use client';

import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import { type MembershipChange, membershipChanges } from '../../lib/ring-view/changes.ts';
import { parseSnapshot } from '../../lib/ring-view/parse.ts';
import type { RingSnapshot } from '../../lib/ring-view/types.ts';

/** `connecting` before the first event, `live` while the stream is open, else `reconnecting`. */
export type StreamConnection = 'connecting' | 'live' | 'reconnecting';

export interface RingStreamState {
  readonly snapshot: RingSnapshot | null;
  readonly connection: StreamConnection;
  /** Membership changes seen since the page opened, newest first. */
  readonly changes: readonly MembershipChange[];
}

/** Delay before reopening a stream the browser gave up on (HTTP error, server gone). */
const REOPEN_MS = 3000;

/**
 * Follows `GET <url>` (server-sent `snapshot` events, see app/api/ring/stream) and returns the
 * latest picture. Every snapshot is rendered on its own (`flushSync`), so a state that lasts
 * one event — a member `draining` just before it leaves — reaches the DOM. Membership changes
 * are computed from consecutive snapshots, at most `maxChanges` kept. Reconnects by itself.
 */
export function useRingStream(url: string, maxChanges = 12): RingStreamState {
  const [state, setState] = useState<RingStreamState>({
    snapshot: null,
    connection: 'connecting',
    changes: [],
  });

  useEffect(() => {
    let source: EventSource | null = null;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let previous: RingSnapshot | null = null;
    let changes: MembershipChange[] = [];
    let closed = false;

    const open = () => {
      const es = new EventSource(url);
      source = es;
      es.addEventListener('open', () => {
        setState((s) => (s.connection === 'live' ? s : { ...s, connection: 'live' }));
      });
      es.addEventListener('snapshot', (event) => {
        const snapshot = parseSnapshot((event as MessageEvent<string>).data);
        if (!snapshot) return;
        const fresh = membershipChanges(previous, snapshot);
        previous = snapshot;
        if (fresh.length > 0) changes = [...fresh.reverse(), ...changes].slice(0, maxChanges);
        const next: RingStreamState = { snapshot, connection: 'live', changes };
        flushSync(() => setState(next));
      });
      es.addEventListener('error', () => {
        setState((s) => ({ ...s, connection: 'reconnecting' }));
        if (es.readyState === EventSource.CLOSED && !closed) {
          es.close();
          reopen = setTimeout(open, REOPEN_MS);
        }
      });
    };

    open();
    return () => {
      closed = true;
      clearTimeout(reopen);
      source?.close();
    };
  }, [url, maxChanges]);

  return state;
}
