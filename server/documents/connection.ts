/**
 * What the document layer needs from a client socket. The uWS adapter implements it for
 * real sockets; tests implement it in memory. The document layer never sees uWS.
 */
export interface Connection {
  /** Unique per node process. */
  readonly id: number;
  /** Sends one binary frame; a socket too slow to keep up is closed by the transport. */
  send(frame: Uint8Array): void;
  /** Closes with an application close code; a no-op when already closed. */
  close(code: number, reason: string): void;
  /** Runs `fn` with this socket's sends batched into one syscall (uWS cork). */
  cork(fn: () => void): void;
  /** True once closed (by either side). */
  readonly closed: boolean;
}

/** Broadcasts one frame to every connection of a document, optionally except one. */
export interface Broadcaster {
  join(topic: string, conn: Connection): void;
  leave(topic: string, conn: Connection): void;
  publish(topic: string, frame: Uint8Array, except?: Connection): void;
}
