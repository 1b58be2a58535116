/**
 * ringdoc's protocol client (server/PROTOCOL.md, DESIGN §3), transport-agnostic: the web
 * provider, the seed client, the test harness editor and the simulation's editor all speak
 * the protocol through it. Pure: time, randomness and sockets are injected; no module state.
 *
 * - `connection.ts`: lifecycle (resolve, open, HELLO/M7, REDIRECT/C3, close table, backoff, tickets)
 * - `doc-sync.ts`: Yjs sync and per-content-message ACK accounting (P10)
 * - `awareness-sync.ts`: presence relay (C8)
 * - `close-action.ts`, `redirect-policy.ts`, `backoff.ts`, `ack-tracker.ts`, `tickets.ts`: the policies
 * - `socket.ts`, `clock.ts`: what a host injects
 */
export { type AckTracker, createAckTracker } from './ack-tracker.ts';
export { attachAwareness } from './awareness-sync.ts';
export { type Backoff, type BackoffOptions, backoffCeiling, createBackoff } from './backoff.ts';
export type { Cancel, Clock } from './clock.ts';
export { type CloseContext, type CloseDecision, decideOnClose } from './close-action.ts';
export {
  type Connection,
  type ConnectionEvents,
  type ConnectionOptions,
  createConnection,
  type Session,
  type SessionFrame,
  type SessionHandler,
} from './connection.ts';
export {
  createDocSync,
  type DocSync,
  type DocSyncEvents,
  type DocSyncOptions,
} from './doc-sync.ts';
export { createEmitter, type Emitter } from './emitter.ts';
export type { MaybePromise } from './maybe-async.ts';
export {
  createRedirectPolicy,
  type KnownMember,
  knownIn,
  type MemberLookup,
  normalizeMemberUrl,
  type RedirectDecision,
  type RedirectPolicy,
  type RedirectPolicyOptions,
} from './redirect-policy.ts';
export { createRoomMux, type RoomMux, type RoomMuxOptions, splitRoomUrl } from './room-mux.ts';
export {
  type ClientSocket,
  type OpenSocket,
  type SocketEvents,
  type WebSocketLike,
  webSocketOpener,
} from './socket.ts';
export {
  type ClientPhase,
  type ClientState,
  FINAL_PHASES,
  INITIAL_CLIENT_STATE,
} from './state.ts';
export {
  AccessDenied,
  createTicketKeeper,
  type TicketEvents,
  type TicketGrant,
  type TicketKeeper,
  type TicketKeeperOptions,
  type TicketOutcome,
  type TicketSource,
} from './tickets.ts';
