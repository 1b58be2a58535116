import * as decoding from 'lib0/decoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import { encodeAwareness, encodeQueryAwareness } from '../server/protocol/index.ts';
import type { Cancel, Clock } from './clock.ts';
import type { Connection, Session } from './connection.ts';

/** Paces this client's own awareness frames. */
export interface AwarenessPacing {
  readonly clock: Clock;
  /** Fewest milliseconds between two frames of this client's state (the newest state wins). */
  readonly minIntervalMs: number;
  /**
   * How long the others' states outlive a socket that ended (default 0: removed at once).
   * Through a short outage people stay (the UI dims them); whoever the next socket does not
   * report again within this time is removed then.
   */
  readonly keepOthersMs?: number;
}

/** The client ids an encoded awareness update names; `[]` if it cannot be read. */
function clientIdsOf(update: Uint8Array): number[] {
  try {
    const d = decoding.createDecoder(update);
    const n = decoding.readVarUint(d);
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(decoding.readVarUint(d));
      decoding.readVarUint(d);
      decoding.readVarString(d);
    }
    return ids;
  } catch {
    return [];
  }
}

/**
 * Awareness (presence, cursors) over a {@link Connection} (DESIGN C8, PROTOCOL.md P18):
 * applies the node's awareness updates, sends this client's own state once synced and after
 * each local change (only its own client id: the node drops others), answers
 * query-awareness, asks for everyone's state on sync, and removes the other clients' states
 * when a socket ends. A malformed awareness update from the node is reported as a warning.
 * With `pacing`, local changes are sent at most once per interval (leading and trailing: the
 * first at once, later ones collapsed into one at the end of the interval; a removal at once).
 * Returns a function that detaches it (the awareness itself is left to its owner).
 */
export function attachAwareness(
  connection: Connection,
  awareness: awarenessProtocol.Awareness,
  /** Origin of states applied from the node (default: the connection). */
  origin: unknown = connection,
  pacing?: AwarenessPacing,
): () => void {
  const own = () => awareness.clientID;
  const sendLocal = (session: Session) => {
    if (awareness.getLocalState() === null) return;
    session.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [own()])));
  };
  const unplug = connection.use({
    frame(session, frame) {
      if (frame.type === 'query-awareness') {
        sendLocal(session);
        return;
      }
      if (frame.type !== 'awareness') return;
      for (const id of clientIdsOf(frame.update)) stale.delete(id);
      try {
        awarenessProtocol.applyAwarenessUpdate(awareness, frame.update, origin);
      } catch (error) {
        connection.warn(`bad awareness update: ${(error as Error).message}`);
      }
    },
    synced(session) {
      sendLocal(session);
      session.send(encodeQueryAwareness());
    },
    ended() {
      const others = [...awareness.getStates().keys()].filter((id) => id !== own());
      const keepMs = pacing?.keepOthersMs ?? 0;
      if (keepMs <= 0 || !pacing || !connection.wanted) {
        if (others.length > 0) awarenessProtocol.removeAwarenessStates(awareness, others, origin);
        return;
      }
      for (const id of others) stale.add(id);
      expire?.();
      expire = pacing.clock.after(keepMs, dropStale);
    },
  });
  /** Others known before the last socket ended and not reported again since. */
  const stale = new Set<number>();
  let expire: Cancel | null = null;
  const dropStale = () => {
    expire = null;
    const gone = [...stale].filter((id) => id !== own() && awareness.getStates().has(id));
    stale.clear();
    if (gone.length > 0) awarenessProtocol.removeAwarenessStates(awareness, gone, origin);
  };
  let last = Number.NEGATIVE_INFINITY;
  let pending: Cancel | null = null;
  const sendOwn = () => {
    pending = null;
    const session = connection.session;
    if (!session?.hello) return;
    if (pacing) last = pacing.clock.now();
    session.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [own()])));
  };
  const onUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    from: unknown,
  ) => {
    if (from === origin) return;
    const mine = [...change.added, ...change.updated, ...change.removed].includes(own());
    if (!mine || !connection.session?.hello) return;
    if (!pacing || change.removed.includes(own())) {
      pending?.();
      sendOwn();
      return;
    }
    if (pending) return;
    const wait = last + pacing.minIntervalMs - pacing.clock.now();
    if (wait <= 0) sendOwn();
    else pending = pacing.clock.after(wait, sendOwn);
  };
  awareness.on('update', onUpdate);
  return () => {
    pending?.();
    expire?.();
    awareness.off('update', onUpdate);
    unplug();
  };
}
