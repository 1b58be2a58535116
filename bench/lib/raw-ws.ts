import net from 'node:net';

/**
 * A minimal WebSocket client written directly on a TCP socket, for load generation: frames
 * are sent with an all-zero mask (legal in RFC 6455, and the payload bytes then go out
 * unchanged, so pre-encoded messages are written without copying or masking), received frames
 * are handed over as views of the socket's buffers, pings are answered. A `ws` client spends
 * far more CPU per frame than a uWS server, so it would measure itself instead of the server.
 */
export interface RawSocket {
  /** Sends one binary frame whose payload is `prefix` followed by `body` (one writev). */
  send(body: Uint8Array, prefix?: Uint8Array): void;
  /** Sends a close frame (1000) and ends the socket. */
  close(): void;
  /** Destroys the TCP socket at once. */
  destroy(): void;
  readonly closed: boolean;
  /** Close code the server sent (1006 when the TCP connection ended without one). */
  readonly closeCode: number | null;
}

export interface RawSocketHandlers {
  /** A binary or text message; `payload` is only valid during the call. */
  readonly onMessage: (payload: Buffer) => void;
  readonly onClose?: (code: number) => void;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Path and query of the upgrade request, e.g. `/doc/a?proto=1`. */
  readonly path: string;
  /** Rejects when the upgrade has not completed after this long (default 10 s). */
  readonly timeoutMs?: number;
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** The frame header of a masked (zero-mask) binary client frame of `length` bytes. */
export function clientFrameHeader(length: number, opcode = 0x2): Buffer {
  if (length < 126) {
    const h = Buffer.allocUnsafe(6);
    h[0] = 0x80 | opcode;
    h[1] = 0x80 | length;
    h.writeUInt32BE(0, 2);
    return h;
  }
  if (length < 65536) {
    const h = Buffer.allocUnsafe(8);
    h[0] = 0x80 | opcode;
    h[1] = 0x80 | 126;
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(0, 4);
    return h;
  }
  const h = Buffer.allocUnsafe(14);
  h[0] = 0x80 | opcode;
  h[1] = 0x80 | 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  h.writeUInt32BE(0, 10);
  return h;
}

/**
 * Opens a WebSocket to `host:port` + `path` and resolves once the server answered 101.
 * Rejects on a refused connection, a non-101 answer or the timeout.
 */
export function connectRaw(
  options: ConnectOptions,
  handlers: RawSocketHandlers,
): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const tcp = net.connect({ host: options.host, port: options.port });
    tcp.setNoDelay(true);
    let upgraded = false;
    /** Frames that came with the upgrade answer wait one macrotask, until the caller has the socket. */
    let holding = false;
    let pending: Buffer | null = null;
    let closeCode: number | null = null;
    let closed = false;
    let fragments: Buffer[] = [];
    const timer = setTimeout(() => {
      tcp.destroy();
      reject(new Error(`upgrade of ${options.path} timed out`));
    }, options.timeoutMs ?? 10_000);

    const finish = (code: number) => {
      if (closed) return;
      closed = true;
      closeCode ??= code;
      handlers.onClose?.(closeCode);
    };

    const writeFrame = (opcode: number, body: Uint8Array, prefix?: Uint8Array) => {
      if (closed || tcp.destroyed) return;
      const length = body.length + (prefix?.length ?? 0);
      tcp.cork();
      tcp.write(clientFrameHeader(length, opcode));
      if (prefix && prefix.length > 0) tcp.write(prefix);
      tcp.write(body);
      tcp.uncork();
    };

    const socket: RawSocket = {
      send: (body, prefix) => writeFrame(0x2, body, prefix),
      close() {
        if (closed) return;
        const payload = Buffer.from([0x03, 0xe8]);
        writeFrame(0x8, payload);
        closeCode ??= 1000;
        tcp.end();
        finish(1000);
      },
      destroy() {
        tcp.destroy();
        finish(1006);
      },
      get closed() {
        return closed;
      },
      get closeCode() {
        return closeCode;
      },
    };

    const onControl = (opcode: number, payload: Buffer) => {
      if (opcode === 0x9) {
        writeFrame(0xa, payload);
      } else if (opcode === 0x8) {
        closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        writeFrame(0x8, payload.subarray(0, 2));
        tcp.end();
        finish(closeCode);
      }
    };

    const parseFrames = (chunk: Buffer) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let pos = 0;
      while (buf.length - pos >= 2) {
        const b0 = buf[pos]!;
        const b1 = buf[pos + 1]!;
        let length = b1 & 0x7f;
        let header = 2;
        if (length === 126) {
          if (buf.length - pos < 4) break;
          length = buf.readUInt16BE(pos + 2);
          header = 4;
        } else if (length === 127) {
          if (buf.length - pos < 10) break;
          length = Number(buf.readBigUInt64BE(pos + 2));
          header = 10;
        }
        if (b1 & 0x80) header += 4;
        if (buf.length - pos < header + length) break;
        const payload = buf.subarray(pos + header, pos + header + length);
        pos += header + length;
        const opcode = b0 & 0x0f;
        const fin = (b0 & 0x80) !== 0;
        if (opcode >= 0x8) {
          onControl(opcode, payload);
          continue;
        }
        if (!fin || opcode === 0x0) {
          fragments.push(Buffer.from(payload));
          if (!fin) continue;
          const whole = Buffer.concat(fragments);
          fragments = [];
          handlers.onMessage(whole);
          continue;
        }
        handlers.onMessage(payload);
      }
      if (pos < buf.length) pending = Buffer.from(buf.subarray(pos));
    };

    tcp.on('connect', () => {
      tcp.write(
        `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\n` +
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    tcp.on('data', (chunk: Buffer) => {
      if (holding) {
        pending = pending ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
        return;
      }
      if (upgraded) {
        parseFrames(chunk);
        return;
      }
      const buf: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        pending = Buffer.from(buf);
        return;
      }
      pending = null;
      const head = buf.subarray(0, end).toString('latin1');
      if (!/^HTTP\/1\.1 101/.test(head)) {
        clearTimeout(timer);
        tcp.destroy();
        reject(new Error(`upgrade of ${options.path} refused: ${head.split('\r\n')[0]}`));
        return;
      }
      upgraded = true;
      clearTimeout(timer);
      resolve(socket);
      if (end + 4 < buf.length) {
        holding = true;
        pending = Buffer.from(buf.subarray(end + 4));
        setImmediate(() => {
          holding = false;
          const held = pending;
          pending = null;
          if (held) parseFrames(held);
        });
      }
    });
    tcp.on('error', (error) => {
      if (!upgraded) {
        clearTimeout(timer);
        reject(error);
      }
      finish(1006);
    });
    tcp.on('close', () => finish(1006));
  });
}
