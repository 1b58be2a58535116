import {
  decodeServerFrame,
  type Hello,
  type Notice,
  type Redirect,
  type ServerFrame,
  type UpgradeRequired,
} from '../server/protocol/index.ts';
import type { Cancel, Clock } from './clock.ts';
import type { ClientSocket, OpenSocket } from './socket.ts';

/** Frames a connection hands to its document parts (everything but the control messages). */
export type SessionFrame = Extract<
  ServerFrame,
  {
    type:
      | 'sync-step1'
      | 'sync-step2'
      | 'sync-update'
      | 'awareness'
      | 'query-awareness'
      | 'ack'
      | 'reply';
  }
>;

/** One socket and what was learnt on it; replaced wholesale on every reconnect. */
export interface Session {
  /** Increases with every socket the connection opens. */
  readonly id: number;
  /** Base URL of the node (`ws://host:port`). */
  readonly url: string;
  /** The accepted HELLO; `null` before it (a ringdoc client sends no content until then, P9). */
  readonly hello: Hello | null;
  /** True once the document part reported the first SyncStep2 (`Connection.markSynced`). */
  readonly synced: boolean;
  /** Sends one frame; `false` when the socket is not open (nothing sent). */
  send(frame: Uint8Array): boolean;
}

/** A document part (sync, awareness) plugged into a connection; every hook is optional. */
export interface SessionHandler {
  /** A socket is being opened (its frames will follow). */
  started?(session: Session): void;
  /** The socket is open and the ticket (if any) was sent: send the opening frames. */
  opened?(session: Session): void;
  /** A HELLO was accepted (generation checked, M7). */
  hello?(session: Session, hello: Hello): void;
  /** A non-control frame arrived on the current socket. */
  frame?(session: Session, frame: SessionFrame): void;
  /** The session synced (first SyncStep2). */
  synced?(session: Session): void;
  /** The session ended (closed by either side, or replaced); it receives nothing more. */
  ended?(session: Session): void;
}

/** The connection's own view of a session: what the node said before closing, and controls. */
export interface SessionRecord extends Session {
  hello: Hello | null;
  synced: boolean;
  /** The last NOTICE (P14), REDIRECT (P11) and UPGRADE_REQUIRED (P13) received. */
  readonly notice: Notice | null;
  readonly redirect: Redirect | null;
  readonly upgrade: UpgradeRequired | null;
  /** Stops the liveness timer and closes the socket (safe to repeat). */
  close(code: number, reason: string): void;
}

/** What a session reports; none of it is called for a session that is no longer current. */
export interface SessionCallbacks {
  /** The socket opened. */
  opened(session: SessionRecord): void;
  hello(session: SessionRecord, hello: Hello): void;
  redirect(session: SessionRecord, redirect: Redirect): void;
  frame(session: SessionRecord, frame: SessionFrame): void;
  /** A frame could not be decoded (P4): the session should be replaced. */
  malformed(session: SessionRecord, message: string): void;
  /** Nothing arrived for the liveness timeout. */
  silent(session: SessionRecord): void;
  /** The socket closed (by either side, or it failed). */
  closed(session: SessionRecord, code: number, reason: string): void;
}

/** Where and how {@link openSession} opens its socket. */
export interface SessionOptions {
  readonly id: number;
  readonly baseUrl: string;
  /** Full URL (base, `/doc/<id>` and query). */
  readonly url: string;
  readonly openSocket: OpenSocket;
  readonly clock: Clock;
  /** Silence (ms) after which `silent` is reported; 0: never. */
  readonly livenessMs: number;
  /** Whether `session` is still the connection's current one (events of others are ignored, P20). */
  readonly isCurrent: (session: SessionRecord) => boolean;
}

/**
 * Opens one socket and turns its events into decoded, typed callbacks: control messages are
 * recorded on the session (HELLO and REDIRECT also reported), other frames passed on; every
 * frame restarts the liveness timer. Events arriving once the session is no longer current
 * are dropped. Throws what `openSocket` throws.
 */
export function openSession(options: SessionOptions, callbacks: SessionCallbacks): SessionRecord {
  let socket: ClientSocket | null = null;
  let liveness: Cancel | null = null;
  let notice: Notice | null = null;
  let redirect: Redirect | null = null;
  let upgrade: UpgradeRequired | null = null;
  const stopLiveness = () => {
    liveness?.();
    liveness = null;
  };
  const session: SessionRecord = {
    id: options.id,
    url: options.baseUrl,
    hello: null,
    synced: false,
    get notice() {
      return notice;
    },
    get redirect() {
      return redirect;
    },
    get upgrade() {
      return upgrade;
    },
    send: (frame) => socket?.send(frame) ?? false,
    close(code, reason) {
      stopLiveness();
      socket?.close(code, reason);
    },
  };
  const touch = () => {
    if (options.livenessMs <= 0) return;
    stopLiveness();
    liveness = options.clock.after(options.livenessMs, () => {
      if (options.isCurrent(session)) callbacks.silent(session);
    });
  };
  const receive = (bytes: Uint8Array) => {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(bytes);
    } catch (error) {
      callbacks.malformed(session, `malformed frame from the node: ${(error as Error).message}`);
      return;
    }
    switch (frame.type) {
      case 'hello':
        callbacks.hello(session, frame);
        return;
      case 'redirect':
        redirect = {
          owner: frame.owner,
          url: frame.url,
          epoch: frame.epoch,
          ...(frame.graceMs !== undefined ? { graceMs: frame.graceMs } : {}),
        };
        callbacks.redirect(session, redirect);
        return;
      case 'upgrade-required':
        upgrade = { minBuild: frame.minBuild, message: frame.message };
        return;
      case 'notice':
        notice = {
          code: frame.code,
          reason: frame.reason,
          ...(frame.retryAfterMs !== undefined ? { retryAfterMs: frame.retryAfterMs } : {}),
        };
        return;
      default:
        callbacks.frame(session, frame);
    }
  };
  socket = options.openSocket(options.url, {
    onOpen() {
      if (!options.isCurrent(session)) return;
      touch();
      callbacks.opened(session);
    },
    onMessage(frame) {
      if (!options.isCurrent(session)) return;
      touch();
      receive(frame);
    },
    onClose(code, reason) {
      if (!options.isCurrent(session)) return;
      stopLiveness();
      callbacks.closed(session, code, reason);
    },
  });
  return session;
}
