/** What the library hears from a socket it opened. Each callback runs at most as documented. */
export interface SocketEvents {
  /** The socket is open: frames may be sent. At most once. */
  onOpen(): void;
  /** One binary frame (a view valid for the duration of the call; copy to keep it). */
  onMessage(frame: Uint8Array): void;
  /** The socket closed (by either side, or failed to open). At most once; nothing follows. */
  onClose(code: number, reason: string): void;
}

/** The minimal socket the library drives: browser WebSocket, `ws` in Node, a simulated one. */
export interface ClientSocket {
  /** Sends one binary frame; `false` (nothing sent) when the socket is not open. Never throws. */
  send(frame: Uint8Array): boolean;
  /** Closes gracefully; safe to call more than once or on a closed socket. */
  close(code: number, reason: string): void;
}

/**
 * Opens a socket to `url` (`ws(s)://host[:port]/doc/<id>?…`) and reports to `events`. May
 * throw when the URL cannot be opened at all; the library then retries with backoff.
 */
export type OpenSocket = (url: string, events: SocketEvents) => ClientSocket;

/** The subset of the WHATWG `WebSocket` (browser, and `ws` in Node) {@link webSocketOpener} uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

/**
 * An {@link OpenSocket} over WebSocket-like objects made by `create` (e.g.
 * `(url) => new WebSocket(url)`). Binary frames arrive as `ArrayBuffer`s; a text frame is
 * reported to `onIgnored` and dropped. Send and close errors are swallowed (`send` returns
 * `false`, and the close event that follows a failure is what the library acts on).
 */
export function webSocketOpener(
  create: (url: string) => WebSocketLike,
  onIgnored: (message: string) => void = () => {},
): OpenSocket {
  return (url, events) => {
    const socket = create(url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => events.onOpen();
    socket.onmessage = (event) => {
      const data = event.data;
      if (data instanceof ArrayBuffer) events.onMessage(new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) {
        events.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      } else onIgnored('ignoring a non-binary frame');
    };
    socket.onclose = (event) => events.onClose(event.code, event.reason);
    socket.onerror = () => {
      /* a close event follows */
    };
    return {
      send(frame) {
        if (socket.readyState !== OPEN) return false;
        try {
          socket.send(frame);
          return true;
        } catch (error) {
          onIgnored(`send failed: ${(error as Error).message}`);
          return false;
        }
      },
      close(code, reason) {
        try {
          socket.close(code, reason);
        } catch {
          /* already closed */
        }
      },
    };
  };
}
