/**
 * Access control's public entry point (SECURITY.md, PROTOCOL.md P21): share-link records and
 * the Ed25519 tickets the web app signs and the nodes verify. The web app imports only this.
 */
export {
  encodeLinkRecord,
  isValidLinkId,
  type LinkPermission,
  type LinkRecord,
  parseLinkRecord,
  ticketPermission,
} from './link-record.ts';
export * from './ticket.ts';
