/**
 * The client ↔ node wire protocol (server/PROTOCOL.md): pure encode/decode, close codes,
 * doc ids and connection URLs. No Node-only imports: the browser client uses it too.
 */
export {
  type CloseAction,
  CloseCode,
  type CloseCodeInfo,
  type CloseCodeName,
  type CloseCodeValue,
  clampUtf8,
  closeCodeInfo,
  closeReason,
  isKnownCloseCode,
  MAX_CLOSE_REASON_BYTES,
} from './close-codes.ts';
export {
  type ConnectParams,
  DOC_PATH_PREFIX,
  formatConnectPath,
  MAX_CONNECT_URL_LENGTH,
  MAX_SUSPECTS,
  parseConnectUrl,
  suspectsOf,
} from './connect-url.ts';
export type {
  Hello,
  Notice,
  Permission,
  Redirect,
  UpgradeRequired,
} from './control-messages.ts';
export { DOC_ID_LIMITS, type DocId, isValidDocId, parseDocId } from './doc-id.ts';
export { ProtocolError } from './errors.ts';
export {
  type AwarenessFrame,
  type ClientFrame,
  type CommonFrame,
  decodeClientFrame,
  decodeServerFrame,
  encodeAck,
  encodeAwareness,
  encodeClientFrame,
  encodeHello,
  encodeNotice,
  encodeQueryAwareness,
  encodeRedirect,
  encodeReply,
  encodeRequest,
  encodeServerFrame,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  encodeTicket,
  encodeUpgradeRequired,
  type QueryAwarenessFrame,
  type RequestFrame,
  type ServerFrame,
  type SyncFrame,
  type TicketFrame,
} from './frame.ts';
export {
  decodeHocuspocusFrame,
  encodeHocuspocusAuthenticated,
  encodeHocuspocusClose,
  encodeHocuspocusFrame,
  encodeHocuspocusPermissionDenied,
  encodeHocuspocusSyncStatus,
  HOCUSPOCUS_PATH,
  type HocuspocusInbound,
  HocuspocusType,
  isHocuspocusPath,
} from './hocuspocus.ts';
export {
  MAX_TICKET_LENGTH,
  MessageType,
  PROTOCOL_VERSION,
  SUPPORTED_PROTOCOLS,
  SyncType,
} from './message-types.ts';
export type { Reply, Request } from './request-messages.ts';
export {
  decodeRoomsClientMessage,
  decodeRoomsServerMessage,
  encodeRoomClose,
  encodeRoomClosed,
  encodeRoomFrame,
  encodeRoomOpen,
  isRoomsPath,
  MAX_ROOMS_PER_SOCKET,
  ROOMS_PATH,
  RoomControl,
  type RoomsInbound,
  type RoomsOutbound,
} from './rooms.ts';
