import type { Broadcaster, Connection } from './connection.ts';

/** Where a virtual connection's frames and close go. */
export interface VirtualSink {
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

/**
 * A connection that is not a socket of its own: a forwarding stream from another node (C10),
 * one document of a socket shared by several (C9, the Hocuspocus mapping), or a forwarder's
 * own seat in its mirror room. The transport's pub/sub cannot reach it, so
 * `createMixedBroadcaster` sends to it directly.
 */
export class VirtualConnection implements Connection {
  readonly virtual = true;
  closed = false;
  constructor(
    readonly id: number,
    private readonly sink: VirtualSink,
  ) {}

  send(frame: Uint8Array): void {
    if (!this.closed) this.sink.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close(code, reason);
  }

  cork(fn: () => void): void {
    fn();
  }
}

const isVirtual = (conn: Connection): boolean => (conn as { virtual?: boolean }).virtual === true;

/**
 * A broadcaster over the transport's (`inner`, absent before the node listens) that also
 * reaches virtual connections: they are kept per topic here and sent to one by one.
 */
export function createMixedBroadcaster(inner: () => Broadcaster | undefined): Broadcaster {
  const topics = new Map<string, Set<Connection>>();
  return {
    join(topic, conn) {
      if (!isVirtual(conn)) {
        inner()?.join(topic, conn);
        return;
      }
      let set = topics.get(topic);
      if (!set) {
        set = new Set();
        topics.set(topic, set);
      }
      set.add(conn);
    },
    leave(topic, conn) {
      if (!isVirtual(conn)) {
        inner()?.leave(topic, conn);
        return;
      }
      const set = topics.get(topic);
      set?.delete(conn);
      if (set?.size === 0) topics.delete(topic);
    },
    publish(topic, frame, except) {
      inner()?.publish(topic, frame, except && !isVirtual(except) ? except : undefined);
      const set = topics.get(topic);
      if (!set) return;
      for (const conn of [...set]) if (conn !== except) conn.send(frame);
    },
  };
}
