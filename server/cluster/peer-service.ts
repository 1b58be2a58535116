import type { Connection } from '../documents/connection.ts';
import type { DocumentRegistry } from '../documents/registry.ts';
import type { Logger } from '../log.ts';
import { mergeUpdates } from '../persistence/merge-updates.ts';
import type { DocStore } from '../persistence/store.ts';
import { GenerationMismatchError } from '../persistence/store.ts';
import type { SocketHandler } from '../transport/uws-server.ts';
import {
  decodePeerMessage,
  encodePeerMessage,
  type PeerMessage,
  type PeerRequest,
  type PeerResponse,
} from './peer-protocol.ts';
import type { PeerStream, StreamHandlers } from './peer-streams.ts';

export interface PeerServiceOptions {
  readonly registry: DocumentRegistry;
  readonly store: DocStore;
  readonly log: Logger;
  readonly epoch: () => number;
  /** This node's active member ids, comma-joined. */
  readonly ringMembers: () => string;
  readonly waitForEpoch: (epoch: number, timeoutMs: number) => Promise<boolean>;
  /** A fenced node answers every request with an error (it may be behind the cluster). */
  readonly isFenced: () => boolean;
  /**
   * Serves a forwarding stream a peer opened for `docId` (C10, I8): `sink` sends frames back
   * and closes the stream; the returned handlers hear the peer's frames and its close (or
   * 1006 when the link is lost). Absent: streams are refused with 4503.
   */
  readonly openStream?: (docId: string, epoch: number, sink: PeerStream) => StreamHandlers;
  /**
   * True when a hand-off of `docId` should leave the document loaded here (this node owns it,
   * or is joining and will): the PUSH is answered once the room is loaded, so the sender
   * redirects clients to a ready room and its redirects are paced by this node's loads.
   * Absent: hand-offs are only stored.
   */
  readonly loadOnHandoff?: (docId: string) => boolean;
  /**
   * A replicated update was stored for a document this node does not hold under its ring
   * (P31: the extra member); the node makes sure a rebalance pass hands it on (M6).
   */
  readonly onForeignCopy?: (docId: string) => void;
  /** Whether this node is on `docId`'s preference list (default: always). */
  readonly holds?: (docId: string) => boolean;
}

/**
 * The receiving side of `/internal` (DESIGN N3, M1, M5): FETCH answers a document's whole
 * state from memory or the store; PUSH merges an update into the loaded room or appends it
 * to the store, and answers only once it is durable. Requests from a sender with a newer
 * epoch wait (bounded) for this node's view to catch up.
 */
export function createPeerService(
  options: PeerServiceOptions,
): (conn: Connection) => SocketHandler {
  const { registry, store, log } = options;

  const handle = async (req: PeerRequest): Promise<PeerResponse> => {
    // Only a hand-off acts on the ring; reads and replicated updates need not wait for it.
    if (req.kind === 'push' && req.role === 'handoff' && req.epoch > options.epoch()) {
      await options.waitForEpoch(req.epoch, 1000);
    }
    const base = { kind: 'response' as const, id: req.id, epoch: options.epoch() };
    if (options.isFenced()) return { ...base, status: 'error', message: 'node is fenced' };
    try {
      if (req.kind === 'fetch') {
        const room = registry.get(req.docId);
        if (room && !room.isFaulted) {
          return {
            ...base,
            status: 'ok',
            doc: { generation: room.generation, state: room.encode() },
          };
        }
        const stored = await store.load(req.docId);
        if (!stored) return { ...base, status: 'ok', doc: null };
        return {
          ...base,
          status: 'ok',
          doc: { generation: stored.generation, state: mergeUpdates(stored.updates) },
        };
      }
      const room = registry.get(req.docId);
      // Views with the same members can carry different revisions on different nodes: a
      // hand-off is stale only if it was decided on another member set at an older epoch.
      const stale =
        req.role === 'handoff' &&
        req.ring !== '' &&
        req.ring !== options.ringMembers() &&
        req.epoch < base.epoch;
      if (room && !room.isFaulted) {
        if (room.generation !== req.generation) {
          // M7: a copy of another generation (a node restored from an old backup, a document
          // re-created after every copy was lost) is a different history: never merged.
          throw new GenerationMismatchError(req.docId, room.generation, req.generation);
        }
        room.applyRemote(req.update);
        // its editors are typing on the previous owner: they keep the Y.Doc warm here (issue 14)
        if (req.role === 'handoff') room.markEdited();
        // A replica acknowledges what it stored; waiting for its own replication too would
        // deadlock two nodes that both have the room loaded (each waiting on the other).
        await (req.role === 'replicate' ? room.localDurable() : room.durable());
      } else {
        // Peers are authenticated and validated these updates when clients sent them: no
        // second decode here (it costs more than the fsync for a large document).
        await store.append(req.docId, req.update, req.generation);
        // An idle document's encoded copy in memory lacks this update: the next load must
        // read the store (which has everything that copy had) instead of the stale copy.
        registry.forget(req.docId);
        // A load under way may have read the store before this append: merge it in too.
        registry.pendingLoad(req.docId)?.then(
          (loaded) => {
            if (loaded.generation === req.generation) loaded.applyRemote(req.update);
          },
          () => {},
        );
        // The load is moved off the clients' path: they arrive at a loaded room. A load that
        // fails changes nothing (the update is stored; a client's own load retries).
        if (req.role === 'handoff' && !stale && options.loadOnHandoff?.(req.docId)) {
          const loaded = await registry.acquire(req.docId).catch(() => undefined);
          // loaded for editors typing on the previous owner: their catch-ups keep its Y.Doc
          loaded?.markEdited();
        }
      }
      if (req.role === 'replicate' && options.holds && !options.holds(req.docId)) {
        options.onForeignCopy?.(req.docId);
      }
      // Merged anyway (merging never loses anything), but a hand-off decided on an older ring
      // must not lead the sender to delete its copy: it re-resolves (M5).
      if (stale) return { ...base, status: 'stale-epoch', message: 'hand-off from an older ring' };
      return { ...base, status: 'ok', doc: null };
    } catch (error) {
      log.warn('peer request failed', { kind: req.kind, docId: req.docId, error });
      return {
        ...base,
        status: 'error',
        message: error instanceof Error ? error.message : String(error),
      };
    }
  };

  return (conn) => {
    const streams = new Map<number, { handlers: StreamHandlers | null }>();
    // Messages written in one turn of the event loop leave in one corked write (one syscall):
    // a commit window answers all of its pushes at once. Whoever closes the connection in the
    // turn that wrote lets them leave first (the node's stop waits a tick before closing it).
    let queued: Uint8Array[] | null = null;
    const flush = () => {
      const messages = queued;
      queued = null;
      if (!messages || conn.closed) return;
      conn.cork(() => {
        for (const bytes of messages) conn.send(bytes);
      });
    };
    const write = (message: PeerMessage) => {
      if (conn.closed) return;
      const bytes = encodePeerMessage(message);
      if (queued) {
        queued.push(bytes);
        return;
      }
      queued = [bytes];
      process.nextTick(flush);
    };
    const openStream = (id: number, docId: string, epoch: number) => {
      const entry: { handlers: StreamHandlers | null } = { handlers: null };
      streams.set(id, entry);
      const sink: PeerStream = {
        send(frame) {
          if (streams.get(id) === entry) write({ kind: 'stream-frame', id, frame });
        },
        close(code, reason) {
          if (streams.get(id) !== entry) return;
          streams.delete(id);
          write({ kind: 'stream-close', id, code, reason });
        },
      };
      if (!options.openStream) {
        sink.close(4503, 'this node does not serve forwarding streams');
        return;
      }
      entry.handlers = options.openStream(docId, epoch, sink);
    };
    const endStream = (id: number, code: number, reason: string) => {
      const entry = streams.get(id);
      if (!entry) return;
      streams.delete(id);
      entry.handlers?.close(code, reason);
    };
    return {
      message(frame) {
        let req: ReturnType<typeof decodePeerMessage>;
        try {
          req = decodePeerMessage(frame);
        } catch (error) {
          log.warn('malformed message on the internal channel', { error });
          // what this turn answered before still leaves, then the link closes
          flush();
          conn.close(4400, 'malformed peer message');
          return;
        }
        switch (req.kind) {
          case 'response':
            return;
          case 'stream-open':
            openStream(req.id, req.docId, req.epoch);
            return;
          case 'stream-frame':
            streams.get(req.id)?.handlers?.frame(req.frame);
            return;
          case 'stream-close':
            endStream(req.id, req.code, req.reason);
            return;
          default:
            void handle(req).then(write);
        }
      },
      close() {
        for (const id of [...streams.keys()]) endStream(id, 1006, 'peer link lost');
      },
    };
  };
}
