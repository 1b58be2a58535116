import { decodeServerFrame, type ServerFrame } from '../../protocol/index.ts';
import type { Broadcaster, Connection } from '../connection.ts';

/** An in-memory connection that records what the node sent (unit tests of pure logic). */
export class MemoryConnection implements Connection {
  closed = false;
  closeCode: number | null = null;
  closeReason = '';
  readonly sent: Uint8Array[] = [];
  constructor(readonly id: number) {}
  send(frame: Uint8Array): void {
    if (!this.closed) this.sent.push(frame);
  }
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    this.closeReason = reason;
  }
  cork(fn: () => void): void {
    fn();
  }
  frames(): ServerFrame[] {
    return this.sent.map((f) => decodeServerFrame(f));
  }
}

/** Topic fan-out over `MemoryConnection`s, delivering synchronously. */
export function createMemoryBroadcaster(): Broadcaster {
  const topics = new Map<string, Set<Connection>>();
  return {
    join(topic, conn) {
      let set = topics.get(topic);
      if (!set) {
        set = new Set();
        topics.set(topic, set);
      }
      set.add(conn);
    },
    leave(topic, conn) {
      topics.get(topic)?.delete(conn);
    },
    publish(topic, frame, except) {
      for (const conn of topics.get(topic) ?? []) if (conn !== except) conn.send(frame);
    },
  };
}
