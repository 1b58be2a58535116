import type { Provider, ProviderAwareness } from '@lexical/yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
  decodeServerFrame,
  encodeAwareness,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  encodeTicket,
  formatConnectPath,
  type Notice,
  PROTOCOL_VERSION,
  type Redirect,
  type ServerFrame,
  type UpgradeRequired,
} from '../../../server/protocol/index.ts';
import { AccessDenied, type TicketGrant } from './access.ts';
import { type AckTracker, createAckTracker } from './ack-tracker.ts';
import { type Backoff, createBackoff } from './backoff.ts';
import { decideOnClose } from './close-action.ts';
import { createEmitter } from './emitter.ts';
import type { LocalStore } from './local-store.ts';
import { createPacer, type Pacer } from './pacer.ts';
import {
  createRedirectPolicy,
  type KnownMember,
  normalizeMemberUrl,
  type RedirectPolicy,
} from './redirect-policy.ts';
import { fetchRoute as defaultFetchRoute, type RouteInfo } from './route-info.ts';
import { INITIAL_SNAPSHOT, type ProviderSnapshot } from './snapshot.ts';

/** The subset of the browser `WebSocket` the provider uses (injectable for tests). */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** Browser hooks the provider needs; defaults use `window`/`navigator`. */
export interface Environment {
  isOnline(): boolean;
  /** Subscribes to online/offline changes; returns an unsubscribe function. */
  onOnlineChange(listener: (online: boolean) => void): () => void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface RingProviderOptions {
  readonly docId: string;
  readonly doc: Y.Doc;
  /** Client build sent at connect (C6). */
  readonly build: string;
  /** IndexedDB copy: awaited before the first connect; remembers the generation (M7). */
  readonly local?: LocalStore;
  /** First connection goes to this member instead of the owner (tests, debugging). */
  readonly preferNode?: string;
  readonly fetchRoute?: (docId: string) => Promise<RouteInfo>;
  readonly createSocket?: (url: string) => SocketLike;
  readonly backoff?: Backoff;
  readonly redirects?: RedirectPolicy;
  readonly environment?: Environment;
  /** A socket silent for this long is considered dead (default 30 000 ms). */
  readonly livenessTimeoutMs?: number;
  /** Called with every decoding or transport problem (default: console.warn). */
  readonly onWarning?: (message: string) => void;
  /**
   * Access tickets (PROTOCOL.md P21): called before connecting (unless the current ticket has
   * more than 30 s left) and again at 80 % of each ticket's remaining life, to renew it on the
   * open socket. Resolves `null` when access control is off; rejects with `AccessDenied` when
   * the link is revoked (the provider stops) or with another error (it retries). Absent: no
   * tickets are sent.
   */
  readonly ticket?: () => Promise<TicketGrant | null>;
}

type ProviderEvents = {
  sync: [isSynced: boolean];
  status: [{ status: string }];
  update: [unknown];
  reload: [Y.Doc];
  state: [ProviderSnapshot];
};

/** One WebSocket and everything learnt on it; replaced wholesale on reconnect. */
interface Session {
  readonly socket: SocketLike;
  readonly url: string;
  readonly tracker: AckTracker;
  helloOk: boolean;
  synced: boolean;
  notice: Notice | null;
  redirect: Redirect | null;
  upgrade: UpgradeRequired | null;
  liveness: unknown;
}

const OPEN = 1;
/** An encoded update of an empty document is `[0, 0]`. */
const EMPTY_UPDATE_BYTES = 2;
/** A ticket with less than this left is renewed before connecting. */
const TICKET_FRESH_MS = 30_000;
/** Consecutive 4401 closes after which the tab stops asking (a clock or key problem). */
const MAX_REAUTHS = 3;

/**
 * Lexical's collaboration `Provider` over ringdoc's protocol (server/PROTOCOL.md, DESIGN §3):
 * looks the owner up through `/api/route`, connects, follows redirects to known members only
 * (at most 5 in a row), reconnects with full-jitter backoff honouring the server's
 * retry-after, switches on every close code, ignores events of sockets it has replaced, and
 * counts content messages against the node's durable ACKs to tell saving from saved.
 *
 * Create it with the document it syncs; nothing happens until `connect()`. `destroy()`
 * releases listeners and the awareness. Errors never escape: they become state changes.
 */
/** Fewest milliseconds between two presence (awareness) frames of one tab: at most 10/s. */
const AWARENESS_INTERVAL_MS = 100;

export class RingProvider implements Provider {
  readonly awareness: ProviderAwareness & awarenessProtocol.Awareness;
  readonly doc: Y.Doc;
  private readonly options: RingProviderOptions;
  private readonly emitter = createEmitter<ProviderEvents>();
  private readonly env: Environment;
  private readonly backoff: Backoff;
  private readonly redirects: RedirectPolicy;
  private readonly fetchRoute: (docId: string) => Promise<RouteInfo>;
  private readonly createSocket: (url: string) => SocketLike;
  private snapshot: ProviderSnapshot = INITIAL_SNAPSHOT;
  private session: Session | null = null;
  private wanted = false;
  private destroyed = false;
  /** Increments whenever a pending start/timer must be abandoned. */
  private attempt = 0;
  private retryTimer: unknown = null;
  private members: readonly KnownMember[] = [];
  private nextUrl: string | null = null;
  private preferNode: string | undefined;
  private rememberedGeneration: string | null = null;
  private localReady = false;
  private grant: TicketGrant | null = null;
  private renewTimer: unknown = null;
  private reauths = 0;
  private readonly unsubscribeOnline: () => void;
  /** Keeps this tab's presence below the node's awareness limit (20/s, else 4529). */
  private readonly awarenessPacer: Pacer;

  constructor(options: RingProviderOptions) {
    this.options = options;
    this.doc = options.doc;
    this.env = options.environment ?? browserEnvironment();
    this.backoff = options.backoff ?? createBackoff();
    this.redirects = options.redirects ?? createRedirectPolicy();
    this.fetchRoute = options.fetchRoute ?? ((id) => defaultFetchRoute(id));
    this.createSocket =
      options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.preferNode = options.preferNode;
    this.awareness = new awarenessProtocol.Awareness(this.doc) as ProviderAwareness &
      awarenessProtocol.Awareness;
    this.awarenessPacer = createPacer(
      () => {
        const session = this.session;
        if (session?.helloOk) this.sendLocalAwareness(session);
      },
      AWARENESS_INTERVAL_MS,
      this.env,
    );
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.unsubscribeOnline = this.env.onOnlineChange(this.onOnlineChange);
  }

  /** Current state; a new object after every change. */
  getSnapshot = (): ProviderSnapshot => this.snapshot;

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
    if (this.destroyed || this.isFinal()) return;
    this.wanted = true;
    if (this.session || this.retryTimer !== null || this.snapshot.phase === 'connecting') return;
    void this.start();
  }

  /** Closes the socket and stops reconnecting until `connect()`. */
  disconnect(): void {
    this.wanted = false;
    this.attempt++;
    this.cancelRetry();
    this.cancelRenewal();
    this.dropSession(1000, 'client disconnect');
    if (!this.isFinal()) this.update({ phase: 'idle', retryAt: null });
  }

  /** Disconnects and releases every listener. The doc is left to its owner. */
  destroy(): void {
    if (this.destroyed) return;
    this.disconnect();
    this.destroyed = true;
    this.awarenessPacer.cancel();
    this.doc.off('update', this.onDocUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.unsubscribeOnline();
    this.awareness.destroy();
  }

  /** True when this tab may only view (its ticket or HELLO said `view`, P21). */
  private get readOnly(): boolean {
    return this.snapshot.permission === 'view';
  }

  private isFinal(): boolean {
    const p = this.snapshot.phase;
    return p === 'stopped' || p === 'upgrade-required' || p === 'recovery-required';
  }

  private update(patch: Partial<ProviderSnapshot>): void {
    this.snapshot = Object.freeze({ ...this.snapshot, ...patch });
    this.emitter.emit('state', this.snapshot);
  }

  private warn(message: string): void {
    (this.options.onWarning ?? ((m: string) => console.warn(`[ringdoc] ${m}`)))(message);
  }

  // ---- connecting -------------------------------------------------------------------------

  private async start(): Promise<void> {
    const attempt = ++this.attempt;
    this.update({ phase: 'connecting', retryAt: null });
    if (!this.localReady) {
      await this.options.local?.ready;
      this.rememberedGeneration = (await this.options.local?.generation()) ?? null;
      this.localReady = true;
      if (this.rememberedGeneration) this.update({ generation: this.rememberedGeneration });
    }
    if (attempt !== this.attempt || !this.wanted) return;
    if (!this.env.isOnline()) {
      this.update({ phase: 'offline' });
      return;
    }
    let url = this.nextUrl;
    this.nextUrl = null;
    if (url === null) {
      url = await this.resolveOwnerUrl();
      if (attempt !== this.attempt || !this.wanted) return;
    }
    if (url === null) {
      this.scheduleRetry(undefined, 'no reachable owner');
      return;
    }
    if (this.options.ticket && !this.ticketIsFresh()) {
      const outcome = await this.fetchTicket();
      if (attempt !== this.attempt || !this.wanted) return;
      if (outcome !== 'ok') {
        this.nextUrl = url;
        if (outcome === 'denied') return;
        this.scheduleRetry(undefined, 'could not get an access ticket');
        return;
      }
    }
    this.open(url);
  }

  // ---- access tickets (P21) -----------------------------------------------------------------

  private ticketIsFresh(): boolean {
    return this.grant !== null && this.grant.expiresAt - this.env.now() > TICKET_FRESH_MS;
  }

  /** Gets a ticket; on `denied` the provider has stopped (the link was revoked). */
  private async fetchTicket(): Promise<'ok' | 'denied' | 'failed'> {
    try {
      const grant = (await this.options.ticket?.()) ?? null;
      this.grant = grant;
      if (grant && grant.perm !== this.snapshot.permission) this.update({ permission: grant.perm });
      this.scheduleRenewal();
      return 'ok';
    } catch (error) {
      if (error instanceof AccessDenied) {
        this.dropSession(1000, 'access revoked');
        this.finish('stopped', {
          error: `Your access to this document was revoked (${error.message}).`,
        });
        return 'denied';
      }
      this.warn(`ticket request failed: ${(error as Error).message}`);
      return 'failed';
    }
  }

  private scheduleRenewal(): void {
    this.cancelRenewal();
    const grant = this.grant;
    if (!grant || !this.wanted) return;
    const delay = Math.max(1000, Math.floor((grant.expiresAt - this.env.now()) * 0.8));
    this.renewTimer = this.env.setTimeout(() => void this.renew(), delay);
  }

  /** Renews the ticket and hands the new one to the open socket (no reconnect, no lost edits). */
  private async renew(): Promise<void> {
    this.renewTimer = null;
    if (!this.wanted || this.destroyed) return;
    const outcome = await this.fetchTicket();
    if (outcome === 'denied' || !this.wanted) return;
    if (outcome === 'failed') {
      // Retry soon; should the ticket lapse meanwhile, the node closes with 4401 and the
      // reconnect fetches a new one.
      this.cancelRenewal();
      this.renewTimer = this.env.setTimeout(() => void this.renew(), 5000);
      return;
    }
    const session = this.session;
    if (this.grant && session?.helloOk) this.send(session, encodeTicket(this.grant.ticket));
  }

  private cancelRenewal(): void {
    if (this.renewTimer !== null) this.env.clearTimeout(this.renewTimer);
    this.renewTimer = null;
  }

  /** The owner's URL from the route look-up (or the preferred member's); `null` if unknown. */
  private async resolveOwnerUrl(): Promise<string | null> {
    const route = await this.refreshRoute();
    if (!route) return null;
    const preferred = this.preferNode;
    if (preferred !== undefined) {
      this.preferNode = undefined;
      const member = this.members.find((m) => m.id === preferred);
      if (member) return normalizeMemberUrl(member.url);
      this.warn(`preferred node ${preferred} is not a member; using the owner`);
    }
    return route.url ? normalizeMemberUrl(route.url) : null;
  }

  private async refreshRoute(): Promise<RouteInfo | null> {
    try {
      const route = await this.fetchRoute(this.options.docId);
      this.members = route.members;
      if (route.epoch > this.snapshot.epoch) this.update({ epoch: route.epoch });
      return route;
    } catch (error) {
      this.warn(`route look-up failed: ${(error as Error).message}`);
      return null;
    }
  }

  private open(baseUrl: string): void {
    const path = formatConnectPath({
      docId: this.options.docId,
      build: this.options.build,
      proto: PROTOCOL_VERSION,
      ...(this.snapshot.epoch > 0 ? { epoch: this.snapshot.epoch } : {}),
      ...(this.rememberedGeneration ? { generation: this.rememberedGeneration } : {}),
    });
    const url = `${baseUrl}${path}`;
    let socket: SocketLike;
    try {
      socket = this.createSocket(url);
    } catch (error) {
      this.warn(`cannot open ${url}: ${(error as Error).message}`);
      this.scheduleRetry(undefined, 'socket could not be opened');
      return;
    }
    socket.binaryType = 'arraybuffer';
    const session: Session = {
      socket,
      url: baseUrl,
      tracker: createAckTracker(),
      helloOk: false,
      synced: false,
      notice: null,
      redirect: null,
      upgrade: null,
      liveness: null,
    };
    this.session = session;
    this.update({ phase: 'connecting', node: null, pending: 0, acked: false });
    socket.onopen = () => {
      if (this.session !== session) return;
      this.touch(session);
      if (this.grant) this.send(session, encodeTicket(this.grant.ticket));
      this.send(session, encodeSyncStep1(Y.encodeStateVector(this.doc)));
    };
    socket.onmessage = (event) => {
      if (this.session !== session) return;
      this.touch(session);
      const data = event.data;
      if (!(data instanceof ArrayBuffer)) {
        this.warn('ignoring a non-binary frame');
        return;
      }
      this.receive(session, new Uint8Array(data));
    };
    socket.onclose = (event) => {
      if (this.session !== session) return;
      this.onClose(session, event.code, event.reason);
    };
    socket.onerror = () => {
      /* a close event follows */
    };
    this.emitter.emit('status', { status: 'connecting' });
  }

  /** Restarts the liveness timer: a socket silent for too long is replaced. */
  private touch(session: Session): void {
    this.env.clearTimeout(session.liveness);
    session.liveness = this.env.setTimeout(() => {
      if (this.session !== session) return;
      this.warn('no message from the node for too long; reconnecting');
      this.onClose(session, 4000, 'liveness timeout');
      try {
        session.socket.close(4000, 'liveness timeout');
      } catch {
        /* already closing */
      }
    }, this.options.livenessTimeoutMs ?? 30_000);
  }

  // ---- receiving --------------------------------------------------------------------------

  private receive(session: Session, bytes: Uint8Array): void {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(bytes);
    } catch (error) {
      this.warn(`malformed frame from the node: ${(error as Error).message}`);
      this.replaceSession(session, 'malformed frame');
      return;
    }
    switch (frame.type) {
      case 'hello':
        this.onHello(session, frame.node, frame.epoch, frame.generation);
        if (frame.perm && frame.perm !== this.snapshot.permission) {
          this.update({ permission: frame.perm });
        }
        return;
      case 'sync-step1':
        // A view-only tab sends no content (P21): the node would ignore it anyway.
        if (!session.helloOk || this.readOnly) return;
        this.sendContent(
          session,
          encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, frame.stateVector)),
        );
        return;
      case 'sync-step2':
        if (!session.helloOk) return;
        if (!this.applyRemote(session, frame.update)) return;
        if (frame.update.length > EMPTY_UPDATE_BYTES) this.rememberGeneration();
        this.onSynced(session);
        return;
      case 'sync-update':
        if (!session.helloOk) return;
        this.applyRemote(session, frame.update);
        return;
      case 'awareness':
        try {
          awarenessProtocol.applyAwarenessUpdate(this.awareness, frame.update, this);
        } catch (error) {
          this.warn(`bad awareness update: ${(error as Error).message}`);
        }
        return;
      case 'query-awareness':
        this.sendLocalAwareness(session);
        return;
      case 'ack':
        if (!session.tracker.acked(frame.count)) {
          this.warn(`ignoring implausible ACK ${frame.count}`);
          return;
        }
        if (frame.count > 0) this.rememberGeneration();
        this.publishProgress(session);
        return;
      case 'redirect':
        session.redirect = { owner: frame.owner, url: frame.url, epoch: frame.epoch };
        if (frame.epoch > this.snapshot.epoch) this.update({ epoch: frame.epoch });
        return;
      case 'upgrade-required':
        session.upgrade = { minBuild: frame.minBuild, message: frame.message };
        return;
      case 'notice':
        session.notice = {
          code: frame.code,
          reason: frame.reason,
          ...(frame.retryAfterMs !== undefined ? { retryAfterMs: frame.retryAfterMs } : {}),
        };
        return;
    }
  }

  private onHello(session: Session, node: string, epoch: number, generation: string): void {
    const known = this.rememberedGeneration;
    if (known !== null && known !== generation) {
      // M7: never merge local state into a re-created document.
      this.dropSession(1000, 'generation mismatch');
      this.finish('recovery-required', {
        error: `The document was re-created on the server (generation ${generation}, this tab holds ${known}).`,
      });
      return;
    }
    session.helloOk = true;
    this.update({
      node,
      generation,
      ...(epoch > this.snapshot.epoch ? { epoch } : {}),
    });
  }

  private applyRemote(session: Session, update: Uint8Array): boolean {
    try {
      Y.applyUpdate(this.doc, update, this);
      return true;
    } catch (error) {
      this.warn(`cannot apply an update from the node: ${(error as Error).message}`);
      this.replaceSession(session, 'unappliable update');
      return false;
    }
  }

  private onSynced(session: Session): void {
    if (session.synced) return;
    session.synced = true;
    this.reauths = 0;
    this.backoff.reset();
    this.redirects.reset();
    this.sendLocalAwareness(session);
    this.send(session, encodeQueryAwareness());
    this.publishProgress(session);
    this.emitter.emit('status', { status: 'connected' });
    this.emitter.emit('sync', true);
  }

  private publishProgress(session: Session): void {
    const pending = session.tracker.pending;
    const acked = session.tracker.ackedCount > 0;
    if (!session.synced) {
      this.update({ pending, acked });
      return;
    }
    this.update({ pending, acked, phase: 'synced', ...(pending === 0 ? { unsynced: false } : {}) });
  }

  private rememberGeneration(): void {
    const generation = this.snapshot.generation;
    if (generation === null || generation === this.rememberedGeneration) return;
    this.rememberedGeneration = generation;
    void this.options.local?.setGeneration(generation);
  }

  // ---- sending ----------------------------------------------------------------------------

  private send(session: Session, frame: Uint8Array): boolean {
    if (session.socket.readyState !== OPEN) return false;
    try {
      session.socket.send(frame);
      return true;
    } catch (error) {
      this.warn(`send failed: ${(error as Error).message}`);
      return false;
    }
  }

  /** Sends a sync step 2 or update and counts it for the ACK (C4). */
  private sendContent(session: Session, frame: Uint8Array): void {
    if (!this.send(session, frame)) return;
    session.tracker.sent();
    this.publishProgress(session);
  }

  private onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return;
    if (this.readOnly) {
      this.emitter.emit('update', update);
      return;
    }
    if (!this.snapshot.unsynced) this.update({ unsynced: true });
    const session = this.session;
    // Before HELLO the update is not sent: it travels in our answer to the node's sync step 1.
    if (session?.helloOk) this.sendContent(session, encodeSyncUpdate(update));
    this.emitter.emit('update', update);
  };

  private onAwarenessUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin === this) return;
    const own = this.doc.clientID;
    const mine = [...change.added, ...change.updated, ...change.removed].includes(own);
    const session = this.session;
    if (!mine || !session?.helloOk) return;
    if (change.removed.includes(own)) {
      this.awarenessPacer.cancel();
      this.send(
        session,
        encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [own])),
      );
      return;
    }
    this.awarenessPacer.request();
  };

  private sendLocalAwareness(session: Session): void {
    if (this.awareness.getLocalState() === null) return;
    this.send(
      session,
      encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID])),
    );
  }

  // ---- closing ----------------------------------------------------------------------------

  /** Forgets the current socket (its later events are ignored) and closes it. */
  private dropSession(code: number, reason: string): void {
    const session = this.session;
    if (!session) return;
    this.session = null;
    this.endSession(session);
    try {
      session.socket.close(code, reason);
    } catch {
      /* already closed */
    }
  }

  /** Local bookkeeping when a session ends, whoever ended it. */
  private endSession(session: Session): void {
    this.env.clearTimeout(session.liveness);
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    if (others.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, others, this);
    if (session.synced) {
      this.emitter.emit('sync', false);
    }
    this.emitter.emit('status', { status: 'disconnected' });
    this.update({ pending: 0, acked: false, node: null });
  }

  /** Drops a misbehaving socket and retries with backoff. */
  private replaceSession(session: Session, reason: string): void {
    if (this.session !== session) return;
    this.dropSession(4000, reason);
    this.scheduleRetry(undefined, reason);
  }

  private onClose(session: Session, code: number, reason: string): void {
    this.session = null;
    this.endSession(session);
    this.update({ lastClose: { code, reason } });
    if (!this.wanted) {
      this.update({ phase: 'idle' });
      return;
    }
    const decision = decideOnClose({
      code,
      reason,
      notice: session.notice,
      redirect: session.redirect,
      upgrade: session.upgrade,
    });
    switch (decision.kind) {
      case 'redirect':
        void this.followRedirect(decision.target);
        return;
      case 'retry':
        this.scheduleRetry(decision.retryAfterMs, decision.reason);
        return;
      case 'stop':
        this.finish('stopped', { error: decision.reason });
        return;
      case 'upgrade':
        this.finish('upgrade-required', {
          upgrade: { minBuild: decision.minBuild, message: decision.message },
        });
        return;
      case 'recover':
        this.finish('recovery-required', { error: decision.reason });
        return;
      case 'reauth':
        this.grant = null;
        this.reauths++;
        if (this.reauths > MAX_REAUTHS) {
          this.finish('stopped', { error: `Access refused: ${decision.reason}` });
          return;
        }
        this.scheduleRetry(undefined, decision.reason);
        return;
    }
  }

  private async followRedirect(target: Redirect): Promise<void> {
    const attempt = ++this.attempt;
    let decision = this.redirects.decide(target, this.members, false);
    if (decision.kind === 'refresh') {
      this.update({ phase: 'connecting' });
      await this.refreshRoute();
      if (attempt !== this.attempt || !this.wanted) return;
      decision = this.redirects.decide(target, this.members, true);
    }
    if (decision.kind === 'follow') {
      this.update({ redirects: this.snapshot.redirects + 1 });
      this.nextUrl = decision.url;
      void this.start();
      return;
    }
    this.warn(decision.reason);
    this.redirects.reset();
    this.scheduleRetry(undefined, decision.reason);
  }

  private scheduleRetry(retryAfterMs: number | undefined, reason: string): void {
    this.cancelRetry();
    if (!this.wanted || this.destroyed) return;
    if (!this.env.isOnline()) {
      this.update({ phase: 'offline', retryAt: null });
      return;
    }
    const delay = this.backoff.next(retryAfterMs);
    const attempt = ++this.attempt;
    this.update({ phase: 'waiting', retryAt: this.env.now() + delay });
    this.retryTimer = this.env.setTimeout(() => {
      this.retryTimer = null;
      if (attempt !== this.attempt) return;
      void this.start();
    }, delay);
    if (reason) this.warn(`reconnecting in ${delay} ms (${reason})`);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) this.env.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private finish(
    phase: 'stopped' | 'upgrade-required' | 'recovery-required',
    patch: Partial<ProviderSnapshot>,
  ): void {
    this.wanted = false;
    this.attempt++;
    this.cancelRetry();
    this.cancelRenewal();
    this.update({ ...patch, phase, retryAt: null });
  }

  private onOnlineChange = (online: boolean): void => {
    if (!this.wanted) return;
    if (!online) {
      this.attempt++;
      this.cancelRetry();
      this.dropSession(1000, 'browser offline');
      this.update({ phase: 'offline', retryAt: null });
      return;
    }
    if (this.session) return;
    this.backoff.reset();
    this.cancelRetry();
    void this.start();
  };
}

/** The real browser environment (window events, navigator.onLine, timers). */
export function browserEnvironment(): Environment {
  return {
    isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
    onOnlineChange(listener) {
      if (typeof window === 'undefined') return () => {};
      const on = () => listener(true);
      const off = () => listener(false);
      window.addEventListener('online', on);
      window.addEventListener('offline', off);
      return () => {
        window.removeEventListener('online', on);
        window.removeEventListener('offline', off);
      };
    },
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
  };
}
