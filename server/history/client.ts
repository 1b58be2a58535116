import * as Y from 'yjs';
import {
  CloseCode,
  closeCodeInfo,
  decodeServerFrame,
  encodeRequest,
  encodeSyncStep1,
  encodeTicket,
  formatConnectPath,
  PROTOCOL_VERSION,
  type Reply,
} from '../protocol/index.ts';
import { historyRoomOf, readVersions, type VersionRecord } from './versions.ts';

/** The subset of a WebSocket (browser or `ws`) the history client uses. */
export interface HistorySocket {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface HistoryClientOptions {
  /** The document whose history to follow (not the sub-room id). */
  readonly docId: string;
  /** Base URL (`ws://host:port`) of the node to try first; called before every connect. */
  readonly resolveUrl: () => Promise<string>;
  readonly createSocket: (url: string) => HistorySocket;
  /** Access ticket (P21) for the document, or `null` when access control is off. */
  readonly ticket?: () => Promise<string | null>;
  readonly build?: string;
  /** Protocol version announced (default: this code's `PROTOCOL_VERSION`; tests and the web handshake fault set another). */
  readonly protocolVersion?: number;
  /** Called whenever the versions or the connection state change. */
  readonly onChange?: () => void;
  /** Reconnect after a close that allows it (default true). */
  readonly reconnect?: boolean;
}

export type HistoryClientState = 'connecting' | 'synced' | 'closed' | 'failed';

/** Thrown by `request`/`ready` when the history cannot be reached or refuses. */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

const MAX_REDIRECTS = 5;

/**
 * Follows one document's history sub-room `<docId>/versions` (read-only, PROTOCOL.md §5) and
 * sends its requests (`cut`, `restore`): used by the web app's history panel and by the CLI.
 * Speaks the ringdoc protocol (P6–P11, P21, P23): ticket first, SyncStep1, follows REDIRECT,
 * reconnects with backoff after `retry` closes and stops on `stop` closes.
 */
export class HistoryClient {
  readonly doc = new Y.Doc();
  private socket: HistorySocket | null = null;
  private currentState: HistoryClientState = 'connecting';
  private failure: HistoryError | null = null;
  private redirectUrl: string | null = null;
  private redirects = 0;
  /** Reconnects in a row after 4401 (expired ticket): a fresh ticket is fetched each time. */
  private ticketRetries = 0;
  private attempt = 0;
  private nextId = 0;
  private lastNotice = '';
  private permission: 'edit' | 'view' | null = null;
  private readonly pending = new Map<
    number,
    { resolve: (reply: Reply) => void; reject: (error: Error) => void }
  >();
  private readonly waiters = new Set<{
    resolve: () => void;
    reject: (error: Error) => void;
  }>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private destroyed = false;

  constructor(private readonly options: HistoryClientOptions) {
    this.doc.on('update', () => this.options.onChange?.());
    void this.connect();
  }

  get state(): HistoryClientState {
    return this.currentState;
  }

  /** Why the client stopped (`failed`), if it did. */
  get error(): HistoryError | null {
    return this.failure;
  }

  /** The sub-room's HELLO permission (`view`: history rooms are read-only for clients). */
  get perm(): 'edit' | 'view' | null {
    return this.permission;
  }

  /** Every version, oldest first. */
  versions(): VersionRecord[] {
    return readVersions(this.doc);
  }

  /** Resolves once the history is synced; rejects if the client failed or closed. */
  ready(): Promise<void> {
    if (this.currentState === 'synced') return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.add({ resolve, reject }));
  }

  /** Sends a REQUEST (P23) once synced and resolves with its REPLY (whatever `ok` says). */
  async request(op: string, args: Record<string, unknown>): Promise<Reply> {
    await this.ready();
    const socket = this.socket;
    if (!socket) throw new HistoryError('not connected', CloseCode.RETRY);
    const id = ++this.nextId;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(encodeRequest({ id, op, args }));
    });
  }

  close(): void {
    this.destroyed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.setState('closed');
    this.failAll(new HistoryError('closed', 1000));
    this.socket?.close(1000, 'closed');
    this.socket = null;
    this.doc.destroy();
  }

  private setState(state: HistoryClientState): void {
    this.currentState = state;
    if (state === 'synced') {
      for (const w of this.waiters) w.resolve();
      this.waiters.clear();
    }
    this.options.onChange?.();
  }

  private failAll(error: HistoryError): void {
    for (const w of this.waiters) w.reject(error);
    this.waiters.clear();
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private async connect(): Promise<void> {
    if (this.destroyed) return;
    this.setState('connecting');
    let base: string;
    let ticket: string | null = null;
    try {
      base = this.redirectUrl ?? (await this.options.resolveUrl());
      ticket = (await this.options.ticket?.()) ?? null;
    } catch (error) {
      this.retryLater(`cannot reach the document: ${(error as Error).message}`);
      return;
    }
    if (this.destroyed) return;
    const path = formatConnectPath({
      docId: historyRoomOf(this.options.docId),
      proto: this.options.protocolVersion ?? PROTOCOL_VERSION,
      ...(this.options.build ? { build: this.options.build } : {}),
    });
    const socket = this.options.createSocket(`${base.replace(/\/$/, '')}${path}`);
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (this.socket !== socket) return;
      if (ticket) socket.send(encodeTicket(ticket));
      socket.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.receive(socket, toBytes(event.data));
    };
    socket.onerror = () => {};
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.closed(event.code, this.lastNotice || event.reason);
    };
  }

  private receive(socket: HistorySocket, bytes: Uint8Array): void {
    let frame: ReturnType<typeof decodeServerFrame>;
    try {
      frame = decodeServerFrame(bytes);
    } catch {
      socket.close(CloseCode.BAD_REQUEST, 'malformed frame from node');
      return;
    }
    switch (frame.type) {
      case 'hello':
        this.permission = frame.perm ?? 'edit';
        return;
      case 'sync-step2':
        Y.applyUpdate(this.doc, frame.update, this);
        this.redirects = 0;
        this.ticketRetries = 0;
        this.attempt = 0;
        this.redirectUrl = null;
        this.setState('synced');
        return;
      case 'sync-update':
        Y.applyUpdate(this.doc, frame.update, this);
        return;
      case 'redirect':
        this.redirectUrl = frame.url;
        return;
      case 'notice':
        this.lastNotice = frame.reason;
        return;
      case 'reply': {
        const waiter = this.pending.get(frame.id);
        this.pending.delete(frame.id);
        waiter?.resolve(frame);
        return;
      }
      default:
        return;
    }
  }

  private closed(code: number, reason: string): void {
    this.lastNotice = '';
    for (const p of this.pending.values()) {
      p.reject(new HistoryError(`connection closed (${code}) before the reply`, code));
    }
    this.pending.clear();
    if (this.destroyed) return;
    if (code === CloseCode.REDIRECT && this.redirectUrl && this.redirects < MAX_REDIRECTS) {
      this.redirects++;
      void this.connect();
      return;
    }
    this.redirectUrl = null;
    if (code === CloseCode.UNAUTHORIZED && this.options.ticket && this.ticketRetries < 3) {
      // Tickets expire (P21): a long-open history panel reconnects with a fresh one.
      this.ticketRetries++;
      void this.connect();
      return;
    }
    const action = closeCodeInfo(code).action;
    if (action === 'stop' || action === 'recover' || action === 'reload') {
      this.failure = new HistoryError(reason || closeCodeInfo(code).reason, code);
      this.setState('failed');
      this.failAll(this.failure);
      return;
    }
    this.retryLater(reason);
  }

  private retryLater(reason: string): void {
    if (this.options.reconnect === false) {
      this.failure = new HistoryError(reason || 'connection lost', CloseCode.RETRY);
      this.setState('failed');
      this.failAll(this.failure);
      return;
    }
    this.setState('connecting');
    const delay = Math.min(5000, 250 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) {
    const parts = data as Uint8Array[];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  return new Uint8Array(0);
}
