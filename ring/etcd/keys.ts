/** Default root of every ringdoc key in etcd (DESIGN §1). */
export const DEFAULT_PREFIX = '/ringdoc/';

const MEMBER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const CONFIG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What a staged rollout upgrades: the node processes or the web app's build. */
export type RolloutKind = 'nodes' | 'web';

/**
 * Every etcd key ringdoc uses, under one prefix (STYLE 12: built here and nowhere else):
 * `members/<id>`, `config/<name>`, `handoff/<joiner>/<owner>` (pre-warm markers, M1) and
 * `control/<id>/drain` (drain requests, M2), `rollouts/<kind>` and `rollout-drivers/<kind>` (the one
 * staged rollout of nodes or web builds and the lock of the CLI driving it), `web-gateway` (the
 * web builds the gateway serves and their shares). Only data that grows with the cluster, never with
 * the documents (R7): a document's index entry, links, revocations and seeding flag live with
 * the document on its holders (`<docId>/meta`, PROTOCOL K1–K5).
 * Builders throw on ids/names that would not round-trip (empty, containing `/`, odd characters);
 * parsers return `null` for keys outside their folder.
 */
export interface Keyspace {
  /** Normalised prefix, always ending with `/`. */
  readonly prefix: string;
  readonly membersPrefix: string;
  readonly configPrefix: string;
  memberKey(id: string): string;
  configKey(name: string): string;
  /** The folder of pre-warm markers for joining member `joiner` (M1). */
  prewarmPrefix(joiner: string): string;
  /** Written by `owner` once it pushed `joiner` the documents it will own (M1). */
  prewarmKey(joiner: string, owner: string): string;
  /** The owner id of a key under `prewarmPrefix(joiner)`, or `null`. */
  parsePrewarmKey(joiner: string, key: string): string | null;
  /** A request that member `id` drains (M2; `ringdoc drain`). */
  drainRequestKey(id: string): string;
  /** The state of the staged rollout of `kind` (`nodes` or `web`): one key per cluster (R7). */
  rolloutKey(kind: RolloutKind): string;
  /** The lock of the one CLI driving the rollout of `kind` (held with a lease). */
  rolloutDriverKey(kind: RolloutKind): string;
  /** The web gateway's routing (`web-gateway`): the web builds served, their upstreams and shares. */
  webGatewayKey(): string;
  /** The member id of `<prefix>members/<id>`, or `null`. */
  parseMemberKey(key: string): string | null;
  /** The setting name of `<prefix>config/<name>`, or `null`. */
  parseConfigKey(key: string): string | null;
}

/** Adds the trailing `/` a prefix needs (`/ringdoc` → `/ringdoc/`); rejects an empty prefix. */
export function normalizePrefix(prefix: string = DEFAULT_PREFIX): string {
  if (prefix.length === 0) throw new Error('etcd key prefix must not be empty');
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** True for ids a member may register under (1–63 chars of `A-Za-z0-9._-`, not starting with a symbol). */
export function isValidMemberId(id: string): boolean {
  return MEMBER_ID.test(id);
}

/** True for config setting names (same charset as member ids, up to 128 chars). */
export function isValidConfigName(name: string): boolean {
  return CONFIG_NAME.test(name);
}

/** Builds the {@link Keyspace} for `prefix` (default `/ringdoc/`). */
export function createKeyspace(prefix: string = DEFAULT_PREFIX): Keyspace {
  const root = normalizePrefix(prefix);
  const membersPrefix = `${root}members/`;
  const configPrefix = `${root}config/`;
  const member = (id: string) => {
    if (!isValidMemberId(id)) throw new Error(`invalid member id ${JSON.stringify(id)}`);
    return id;
  };
  const tail = (key: string, folder: string, valid: (s: string) => boolean): string | null => {
    if (!key.startsWith(folder)) return null;
    const rest = key.slice(folder.length);
    return valid(rest) ? rest : null;
  };
  return {
    prefix: root,
    membersPrefix,
    configPrefix,
    memberKey: (id) => membersPrefix + member(id),
    configKey(name) {
      if (!isValidConfigName(name)) throw new Error(`invalid config name ${JSON.stringify(name)}`);
      return configPrefix + name;
    },
    prewarmPrefix: (joiner) => `${root}handoff/${member(joiner)}/`,
    prewarmKey: (joiner, owner) => `${root}handoff/${member(joiner)}/${member(owner)}`,
    parsePrewarmKey: (joiner, key) =>
      tail(key, `${root}handoff/${member(joiner)}/`, isValidMemberId),
    drainRequestKey: (id) => `${root}control/${member(id)}/drain`,
    rolloutKey(kind) {
      if (kind !== 'nodes' && kind !== 'web')
        throw new Error(`invalid rollout kind ${JSON.stringify(kind)}`);
      return `${root}rollouts/${kind}`;
    },
    rolloutDriverKey(kind) {
      if (kind !== 'nodes' && kind !== 'web') {
        throw new Error(`invalid rollout kind ${JSON.stringify(kind)}`);
      }
      return `${root}rollout-drivers/${kind}`;
    },
    webGatewayKey: () => `${root}web-gateway`,
    parseMemberKey: (key) => tail(key, membersPrefix, isValidMemberId),
    parseConfigKey: (key) => tail(key, configPrefix, isValidConfigName),
  };
}
