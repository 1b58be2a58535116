'use client';

import { useEffect, useState } from 'react';
import type { VersionRecord } from '../../../server/history/index.ts';
import { HistoryClient, type HistorySocket } from '../../../server/history/index.ts';
import { fetchTicket } from '../../lib/collab/access.ts';
import { fetchRoute } from '../../lib/collab/route-info.ts';

export interface HistoryView {
  readonly client: HistoryClient | null;
  readonly state: HistoryClient['state'];
  readonly error: string | null;
  /** Every version, oldest first. */
  readonly versions: readonly VersionRecord[];
}

const EMPTY: HistoryView = { client: null, state: 'connecting', error: null, versions: [] };

/**
 * Follows `docId`'s history sub-room while `enabled` (the panel is open, or the tab wants to
 * see new versions appear): a {@link HistoryClient} on the owner, with this tab's ticket, over
 * `createSocket` (the page's room multiplexer: the history room shares the tab's one socket, C9),
 * announcing the page's build and protocol version like its other rooms (`announce`).
 */
export function useHistory(
  docId: string,
  accessToken: string | null,
  enabled: boolean,
  createSocket: (url: string) => HistorySocket = (url) =>
    new WebSocket(url) as unknown as HistorySocket,
  announce: {
    readonly build?: string | undefined;
    readonly protocolVersion?: number | undefined;
  } = {},
): HistoryView {
  const { build, protocolVersion } = announce;
  const [view, setView] = useState<HistoryView>(EMPTY);
  useEffect(() => {
    if (!enabled) return;
    let client: HistoryClient | null = null;
    const update = () => {
      if (!client) return;
      setView({
        client,
        state: client.state,
        error: client.error?.message ?? null,
        versions: client.state === 'closed' ? [] : client.versions(),
      });
    };
    client = new HistoryClient({
      docId,
      resolveUrl: async () => {
        const route = await fetchRoute(docId);
        if (!route.url) throw new Error('no node serves this document now');
        return route.url;
      },
      createSocket,
      ...(build !== undefined ? { build } : {}),
      ...(protocolVersion !== undefined ? { protocolVersion } : {}),
      ...(accessToken
        ? { ticket: async () => (await fetchTicket(docId, accessToken))?.ticket ?? null }
        : {}),
      onChange: update,
    });
    update();
    return () => {
      client?.close();
      client = null;
      setView(EMPTY);
    };
  }, [docId, accessToken, enabled, createSocket, build, protocolVersion]);
  return view;
}
