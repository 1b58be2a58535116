import type { Connection } from '../../documents/connection.ts';
import type { SocketHandler } from '../../transport/uws-server.ts';
import type { SocketEnd } from './sim-network.ts';

/** The node side of a simulated socket, as the uWS adapter presents a real one. */
class SimConnection implements Connection {
  constructor(
    readonly id: number,
    private readonly end: SocketEnd,
    private readonly onLocalClose: (code: number) => void,
  ) {}

  get closed(): boolean {
    return this.end.closed;
  }

  send(frame: Uint8Array): void {
    this.end.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.end.closed) return;
    this.end.close(code, reason);
    this.onLocalClose(code);
  }

  cork(fn: () => void): void {
    fn();
  }
}

/**
 * Wires a socket end to a node's handler the way `uws-server.ts` does: the handler hears
 * every frame and exactly one close (a close by the node itself included, as uWS calls the
 * close handler from `end()`), even when the node closed the socket while creating it.
 */
export function acceptSocket(
  end: SocketEnd,
  id: number,
  make: (conn: Connection) => SocketHandler,
): void {
  let handler: SocketHandler | null = null;
  let closedEarly: number | null = null;
  const conn = new SimConnection(id, end, (code) => {
    if (handler) handler.close(code);
    else closedEarly = code;
  });
  end.onMessage = (frame) => handler?.message(frame);
  end.onClose = (code) => handler?.close(code);
  handler = make(conn);
  if (closedEarly !== null) handler.close(closedEarly);
}
