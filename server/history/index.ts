/**
 * Version history (DESIGN W6, PROTOCOL.md §5): pure parts shared by nodes, the web app and the
 * CLI — version records and chains, retention, content reading/export, diff, restore. No
 * Node-only imports.
 */

export {
  HistoryClient,
  type HistoryClientOptions,
  type HistoryClientState,
  HistoryError,
  type HistorySocket,
} from './client.ts';
export {
  type Block,
  blockText,
  Format,
  LEXICAL_ROOT,
  plainText,
  type Run,
  readBlocks,
  toHtml,
  toMarkdown,
} from './content.ts';
export {
  type DiffBlock,
  type DiffPart,
  diffBlocks,
  diffStats,
  diffText,
  editScript,
} from './diff.ts';
export { deepClone, replaceContent } from './restore.ts';
export {
  DEFAULT_RETENTION,
  parseRetention,
  type RetentionPolicy,
  type RetentionTier,
  versionsToDrop,
} from './retention.ts';
export {
  authorsBetween,
  type CutOptions,
  cutVersion,
  DEFAULT_CHECKPOINT_EVERY,
  documentOfHistoryRoom,
  dropVersions,
  findVersion,
  historyRoomOf,
  readVersions,
  storedBytes,
  summarize,
  type VersionKind,
  type VersionRecord,
  type VersionSummary,
  versionDoc,
  versionUpdate,
} from './versions.ts';
