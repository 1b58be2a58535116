'use client';

import { useEffect, useState } from 'react';
import * as Y from 'yjs';
import { fetchTicket } from '../../lib/collab/access.ts';
import { createLocalStore } from '../../lib/collab/local-store.ts';
import { RingProvider, type SocketLike } from '../../lib/collab/provider.ts';
import { fetchRoute } from '../../lib/collab/route-info.ts';
import type { ProviderSnapshot } from '../../lib/collab/snapshot.ts';
import { commentsRoomOf, readThreads, type Thread } from '../../lib/comments/threads.ts';
import { useProviderSnapshot } from '../editor/useProviderSnapshot.ts';
import { useUnsavedWarning } from '../editor/useUnsavedWarning.ts';

export interface CommentsRoom {
  /** The comments sub-room's document, `null` before it exists. */
  readonly doc: Y.Doc | null;
  readonly threads: readonly Thread[];
  readonly snapshot: ProviderSnapshot;
}

/**
 * Follows the document's `<docId>/comments` sub-room (DESIGN C9): a ringdoc provider of its
 * own over `createSocket` (the page's room multiplexer, so it shares the tab's one socket),
 * with this tab's ticket for the document (a view link's ticket makes it read-only: the node
 * refuses its writes, P21). Routed with the document (its first segment, R3). Kept on this
 * device like the document (W3): a comment made offline is in IndexedDB (with the unload
 * rescue copy), survives a reload and syncs once a node is reachable; closing the tab while
 * a comment exists only here asks first.
 */
export function useCommentsRoom(options: {
  readonly docId: string;
  readonly build: string;
  /** Protocol version announced (absent: the current one; only the handshake fault sets it). */
  readonly protocolVersion?: number | undefined;
  readonly accessToken: string | null;
  readonly createSocket: (url: string) => SocketLike;
}): CommentsRoom {
  const { docId, build, protocolVersion, accessToken, createSocket } = options;
  const [room, setRoom] = useState<{ doc: Y.Doc; provider: RingProvider } | null>(null);
  const [threads, setThreads] = useState<readonly Thread[]>([]);
  useEffect(() => {
    const doc = new Y.Doc();
    const local = createLocalStore(commentsRoomOf(docId), doc);
    const provider = new RingProvider({
      docId: commentsRoomOf(docId),
      doc,
      build,
      ...(protocolVersion !== undefined ? { protocolVersion } : {}),
      local,
      createSocket,
      fetchRoute: () => fetchRoute(docId),
      ...(accessToken ? { ticket: () => fetchTicket(docId, accessToken) } : {}),
    });
    const update = () => setThreads(readThreads(doc));
    doc.on('update', update);
    provider.connect();
    setRoom({ doc, provider });
    update();
    return () => {
      doc.off('update', update);
      provider.destroy();
      void local.destroy().finally(() => doc.destroy());
      setRoom(null);
      setThreads([]);
    };
  }, [docId, build, protocolVersion, accessToken, createSocket]);
  const snapshot = useProviderSnapshot(room?.provider ?? null);
  useUnsavedWarning(snapshot.unsynced);
  return { doc: room?.doc ?? null, threads, snapshot };
}
