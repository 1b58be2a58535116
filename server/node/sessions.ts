import type { Room } from '../documents/room.ts';
import type { Session } from '../documents/session.ts';

/** The client sessions open on one node. */
export interface SessionTable {
  add(session: Session): void;
  delete(session: Session): void;
  readonly size: number;
  /** A copy: safe to close sessions while iterating. */
  all(): Session[];
  /** The sessions attached to `room`. */
  inRoom(room: Room): Session[];
}

/** Creates an empty {@link SessionTable}. */
export function createSessionTable(): SessionTable {
  const sessions = new Set<Session>();
  return {
    add: (session) => void sessions.add(session),
    delete: (session) => void sessions.delete(session),
    get size() {
      return sessions.size;
    },
    all: () => [...sessions],
    inRoom: (room) => [...sessions].filter((s) => s.currentRoom === room),
  };
}
