import type { Provider, ProviderAwareness } from '@lexical/yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import type * as Y from 'yjs';
import {
  attachAwareness,
  createDocSync,
  createEmitter,
  type DocSync,
} from '../../../client/index.ts';
import {
  type BrowserConnection,
  type BrowserConnectionOptions,
  createBrowserConnection,
} from './browser-connection.ts';
import type { ProviderSnapshot } from './snapshot.ts';

export { browserEnvironment, type Environment, type SocketLike } from './browser-connection.ts';

/**
 * What a provider needs: the connection part's options (`BrowserConnectionOptions`: build,
 * local store, preferred node, route look-up, socket factory, backoff, redirect policy,
 * environment, liveness timeout, access tickets) plus the document and a warning sink.
 */
export interface RingProviderOptions extends Omit<BrowserConnectionOptions, 'warn'> {
  readonly doc: Y.Doc;
  /** Called with every decoding or transport problem (default: console.warn). */
  readonly onWarning?: (message: string) => void;
}

type ProviderEvents = {
  sync: [isSynced: boolean];
  status: [{ status: string }];
  update: [unknown];
  reload: [Y.Doc];
  state: [ProviderSnapshot];
};

/**
 * Lexical's collaboration `Provider` over ringdoc's protocol (server/PROTOCOL.md, DESIGN §3):
 * the document part of a tab. The connection part (`browser-connection.ts`, on `client/`)
 * looks the owner up through `/api/route`, connects, follows redirects to known members only
 * (at most 5 in a row), reconnects with full-jitter backoff honouring the server's
 * retry-after, switches on every close code, and ignores events of sockets it has replaced;
 * this class binds the Y.Doc and awareness to it (`client/` doc sync and awareness), counts
 * content messages against the node's durable ACKs to tell saving from saved, and speaks
 * Lexical's events.
 *
 * Create it with the document it syncs; nothing happens until `connect()`. `destroy()`
 * releases listeners and the awareness. Errors never escape: they become state changes.
 */
export class RingProvider implements Provider {
  readonly awareness: ProviderAwareness & awarenessProtocol.Awareness;
  readonly doc: Y.Doc;
  private readonly emitter = createEmitter<ProviderEvents>();
  private readonly part: BrowserConnection;
  private readonly sync: DocSync;
  private readonly detachAwareness: () => void;
  private destroyed = false;

  constructor(options: RingProviderOptions) {
    this.doc = options.doc;
    const onWarning = options.onWarning ?? ((m: string) => console.warn(`[ringdoc] ${m}`));
    this.part = createBrowserConnection({ ...options, warn: onWarning });
    const connection = this.part.connection;
    this.awareness = new awarenessProtocol.Awareness(this.doc) as ProviderAwareness &
      awarenessProtocol.Awareness;
    this.sync = createDocSync(connection, {
      doc: this.doc,
      origin: this,
      readOnly: () => connection.state.permission === 'view',
    });
    // Presence at most 10 frames/s however fast someone types or moves the caret: the node
    // closes a socket over its awareness limit (20/s, 4529).
    this.detachAwareness = attachAwareness(connection, this.awareness, this, {
      clock: this.part.clock,
      minIntervalMs: 100,
      // Presence survives a short outage (dimmed in the UI) instead of vanishing (P30).
      keepOthersMs: 15_000,
    });
    this.sync.on('server-content', () => this.part.rememberGeneration());
    connection.on('state', (state) => this.emitter.emit('state', state));
    connection.on('opening', () => this.emitter.emit('status', { status: 'connecting' }));
    connection.on('synced', () => {
      this.emitter.emit('status', { status: 'connected' });
      this.emitter.emit('sync', true);
    });
    connection.on('ended', (_session, wasSynced) => {
      if (wasSynced) this.emitter.emit('sync', false);
      this.emitter.emit('status', { status: 'disconnected' });
    });
    this.doc.on('update', this.onDocUpdate);
  }

  /** Current state; a new object after every change. */
  getSnapshot = (): ProviderSnapshot => this.part.connection.state;

  /** Subscribes to state changes (for `useSyncExternalStore`); returns an unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    const handler = () => listener();
    this.emitter.on('state', handler);
    return () => this.emitter.off('state', handler);
  };

  on<K extends keyof ProviderEvents>(type: K, cb: (...args: ProviderEvents[K]) => void): void {
    this.emitter.on(type, cb);
  }

  off<K extends keyof ProviderEvents>(type: K, cb: (...args: ProviderEvents[K]) => void): void {
    this.emitter.off(type, cb);
  }

  /** Starts (or keeps) connecting. Idempotent; returns at once. */
  connect(): void {
    if (this.destroyed) return;
    this.part.connection.connect();
  }

  /** While waiting to reconnect: tries at once (the "Retry now" button). */
  retryNow(): void {
    if (this.destroyed) return;
    this.part.connection.setOnline(true);
  }

  /** Closes the socket and stops reconnecting until `connect()`. */
  disconnect(): void {
    this.part.connection.disconnect();
  }

  /** Disconnects and releases every listener. The doc is left to its owner. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.part.destroy();
    this.sync.detach();
    this.detachAwareness();
    this.doc.off('update', this.onDocUpdate);
    this.awareness.destroy();
  }

  /** Local changes go to Lexical's listeners (the doc sync sends them to the node). */
  private onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== this) this.emitter.emit('update', update);
  };
}
