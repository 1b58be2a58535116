export { type Backoff, type BackoffOptions, createBackoff } from './backoff.ts';
export { createEtcdClient, type EtcdClientOptions } from './client.ts';
export { getConfig, setConfig, type WatchConfigOptions, watchConfig } from './config-watcher.ts';
export { createFenceClock, type FenceClock } from './fence.ts';
export {
  createKeyspace,
  DEFAULT_PREFIX,
  isValidConfigName,
  isValidMemberId,
  type Keyspace,
  normalizePrefix,
  type RolloutKind,
} from './keys.ts';
export {
  encodeMemberRecord,
  isMemberState,
  MemberRecordError,
  parseMemberRecord,
  sameMemberRecord,
} from './member-codec.ts';
export type { MemberRecord, MemberState } from './member-record.ts';
export { type JoinClusterOptions, joinCluster, MemberIdTakenError } from './membership.ts';
export { type WatchMembersOptions, watchMembers } from './membership-watcher.ts';
export type { PrefixEntry, PrefixSnapshot, PrefixUpdate } from './prefix-state.ts';
export { type PrefixWatch, type PrefixWatchOptions, watchPrefix } from './prefix-watch.ts';
export type { ConfigWatcher, Logger, Membership, MembershipWatcher, RingView } from './types.ts';
