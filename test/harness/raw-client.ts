import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  decodeServerFrame,
  encodeClientFrame,
  encodeTicket,
  PROTOCOL_VERSION,
  type ServerFrame,
} from '../../server/protocol/index.ts';
import { waitFor } from './node-process.ts';

export interface RawClientOptions {
  readonly build?: string;
  /** Declare protocol version (ringdoc client); default true. */
  readonly ringdoc?: boolean;
  readonly epoch?: number;
  readonly origin?: string;
  /** Share an existing document (an editor that reconnects keeps its state). */
  readonly doc?: Y.Doc;
  /** Called after content message number `n` (1-based, per connection) was sent. */
  readonly onContentSent?: (n: number) => void;
  /** Called with each cumulative ACK count. */
  readonly onAck?: (count: number) => void;
  /** Extra upgrade request headers (e.g. `x-forwarded-for`). */
  readonly headers?: Record<string, string>;
  /** Access ticket sent as the first frame (P21). */
  readonly ticket?: string;
  /** Local address to connect from (e.g. `127.0.0.7`: per-address limits, P22). */
  readonly localAddress?: string;
}

/**
 * A hand-rolled protocol client for integration tests: a real Y.Doc synced over a real socket,
 * recording every server frame, ACK count and the close code/reason.
 */
export class RawClient {
  readonly doc: Y.Doc;
  readonly frames: ServerFrame[] = [];
  readonly ws: WebSocket;
  acked = 0;
  sentContent = 0;
  synced = false;
  private sentStep2 = false;
  closeCode: number | null = null;
  closeReason = '';
  private readonly ready: Promise<void>;
  private readonly onUpdate: (update: Uint8Array, origin: unknown) => void;

  constructor(
    baseUrl: string,
    readonly docId: string,
    private readonly options: RawClientOptions = {},
  ) {
    this.doc = options.doc ?? new Y.Doc();
    const params = new URLSearchParams();
    if (options.ringdoc ?? true) params.set('proto', String(PROTOCOL_VERSION));
    if (options.build) params.set('build', options.build);
    if (options.epoch !== undefined) params.set('epoch', String(options.epoch));
    const qs = params.toString();
    this.ws = new WebSocket(`${baseUrl}/doc/${docId}${qs ? `?${qs}` : ''}`, {
      headers: { ...(options.origin ? { origin: options.origin } : {}), ...options.headers },
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    this.ws.binaryType = 'nodebuffer';
    this.ready = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data: Buffer) => this.onFrame(new Uint8Array(data)));
    this.ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
    this.onUpdate = (update, origin) => {
      // Edits before our SyncStep2 travel inside it; after it, as updates.
      if (origin === this || this.ws.readyState !== WebSocket.OPEN || !this.sentStep2) return;
      this.sendContent(encodeClientFrame({ type: 'sync-update', update }));
    };
    this.doc.on('update', this.onUpdate);
  }

  /** Stops forwarding local edits (the socket is being replaced). */
  detach(): void {
    this.doc.off('update', this.onUpdate);
  }

  private sendContent(frame: Uint8Array): void {
    this.sendRaw(frame);
    this.sentContent++;
    this.options.onContentSent?.(this.sentContent);
  }

  async opened(): Promise<void> {
    await this.ready;
    if (this.options.ticket) this.sendRaw(encodeTicket(this.options.ticket));
    this.sendRaw(
      encodeClientFrame({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc) }),
    );
  }

  sendRaw(bytes: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes);
  }

  text(name = 'text'): string {
    return this.doc.getText(name).toString();
  }

  /** Inserts text at the end (one content message). */
  type(chars: string, name = 'text'): void {
    const t = this.doc.getText(name);
    t.insert(t.length, chars);
  }

  async waitSynced(): Promise<void> {
    await waitFor(`client ${this.docId} synced`, () => this.synced || this.closeCode !== null);
    if (!this.synced) throw new Error(`closed before sync: ${this.closeCode} ${this.closeReason}`);
  }

  async waitAcked(): Promise<void> {
    await waitFor(
      `acks for ${this.docId} (${this.acked}/${this.sentContent})`,
      () => this.acked >= this.sentContent,
    );
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    await waitFor(`close of ${this.docId}`, () => this.closeCode !== null);
    return { code: this.closeCode as number, reason: this.closeReason };
  }

  frame<T extends ServerFrame['type']>(type: T): Extract<ServerFrame, { type: T }> | undefined {
    return this.frames.find((f) => f.type === type) as
      | Extract<ServerFrame, { type: T }>
      | undefined;
  }

  close(): void {
    this.detach();
    this.ws.close();
  }

  private onFrame(bytes: Uint8Array): void {
    const frame = decodeServerFrame(bytes);
    this.frames.push(frame);
    switch (frame.type) {
      case 'sync-step1':
        this.sendContent(
          encodeClientFrame({
            type: 'sync-step2',
            update: Y.encodeStateAsUpdate(this.doc, frame.stateVector),
          }),
        );
        this.sentStep2 = true;
        return;
      case 'sync-step2':
        Y.applyUpdate(this.doc, frame.update, this);
        this.synced = true;
        return;
      case 'sync-update':
        Y.applyUpdate(this.doc, frame.update, this);
        return;
      case 'ack':
        this.acked = Math.max(this.acked, frame.count);
        this.options.onAck?.(frame.count);
        return;
      default:
        return;
    }
  }
}
