import * as awarenessProtocol from 'y-protocols/awareness';
import { encodeAwareness, encodeQueryAwareness } from '../server/protocol/index.ts';
import type { Connection, Session } from './connection.ts';

/**
 * Awareness (presence, cursors) over a {@link Connection} (DESIGN C8, PROTOCOL.md P18):
 * applies the node's awareness updates, sends this client's own state once synced and after
 * each local change (only its own client id: the node drops others), answers
 * query-awareness, asks for everyone's state on sync, and removes the other clients' states
 * when a socket ends. A malformed awareness update from the node is reported as a warning.
 * Returns a function that detaches it (the awareness itself is left to its owner).
 */
export function attachAwareness(
  connection: Connection,
  awareness: awarenessProtocol.Awareness,
  /** Origin of states applied from the node (default: the connection). */
  origin: unknown = connection,
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
      if (others.length > 0) awarenessProtocol.removeAwarenessStates(awareness, others, origin);
    },
  });
  const onUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    from: unknown,
  ) => {
    if (from === origin) return;
    const mine = [...change.added, ...change.updated, ...change.removed].includes(own());
    const session = connection.session;
    if (!mine || !session?.hello) return;
    session.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [own()])));
  };
  awareness.on('update', onUpdate);
  return () => {
    awareness.off('update', onUpdate);
    unplug();
  };
}
