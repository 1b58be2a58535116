import type { Etcd3 } from 'etcd3';
import type { BackoffOptions } from './backoff.ts';
import { createKeyspace, DEFAULT_PREFIX } from './keys.ts';
import type { PrefixUpdate } from './prefix-state.ts';
import { watchPrefix } from './prefix-watch.ts';
import type { ConfigWatcher, Logger } from './types.ts';

export interface WatchConfigOptions {
  readonly client: Etcd3;
  /** Key prefix (default `/ringdoc/`). */
  readonly prefix?: string;
  readonly log: Logger;
  /** Retry backoff for lists and watch resumes (default 100 ms → 5 s, jittered). */
  readonly backoff?: BackoffOptions;
}

/**
 * A live view of `<prefix>config/<name>` values (UTF-8 strings), e.g. `min-client-build` and
 * `require-client-build` (DESIGN C6). Same list-then-watch-from-R+1 and compaction handling as the
 * member watcher (`watchPrefix`). `onChange(name, value)` fires once per changed setting
 * (`undefined` when deleted), including for every setting of the first list. Keys under
 * `config/` that are not valid setting names are ignored with a warning.
 */
export function watchConfig(options: WatchConfigOptions): ConfigWatcher {
  const { log } = options;
  const keys = createKeyspace(options.prefix ?? DEFAULT_PREFIX);
  const values = new Map<string, string>();
  const listeners = new Set<(name: string, value: string | undefined) => void>();

  const onUpdate = (update: PrefixUpdate) => {
    const changes: Array<[string, string | undefined]> = [];
    for (const key of update.changed) {
      const name = keys.parseConfigKey(key);
      if (name === null) {
        log.warn(`ignoring config key ${key}: not a valid setting name`);
        continue;
      }
      const entry = update.snapshot.entries.get(key);
      const value = entry ? entry.value.toString('utf8') : undefined;
      if (value === undefined) values.delete(name);
      else values.set(name, value);
      changes.push([name, value]);
    }
    for (const [name, value] of changes) {
      log.info(`config ${name} = ${value === undefined ? '(unset)' : JSON.stringify(value)}`, {
        revision: update.snapshot.revision,
      });
      for (const listener of [...listeners]) {
        try {
          listener(name, value);
        } catch (error) {
          log.error('config listener failed', {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
  };

  const watch = watchPrefix({
    client: options.client,
    prefix: keys.configPrefix,
    log,
    label: 'config',
    onUpdate,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });

  return {
    get: (name) => values.get(name),
    async ready() {
      await watch.ready();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      listeners.clear();
      await watch.close();
    },
  };
}

/**
 * Writes `<prefix>config/<name>` (or deletes it when `value` is `undefined`) and resolves with the
 * etcd revision of the write. Rejects after the client's retries when etcd is unreachable, and on
 * an invalid setting name.
 */
export async function setConfig(
  client: Etcd3,
  prefix: string,
  name: string,
  value: string | undefined,
): Promise<number> {
  const key = createKeyspace(prefix).configKey(name);
  if (value === undefined) {
    const response = await client.delete().key(key).exec();
    return Number(response.header.revision);
  }
  const response = await client.put(key).value(value).exec();
  return Number(response.header.revision);
}

/** Reads one setting with a linearizable get; `undefined` when unset. */
export async function getConfig(
  client: Etcd3,
  prefix: string,
  name: string,
): Promise<string | undefined> {
  const value = await client.get(createKeyspace(prefix).configKey(name)).string();
  return value ?? undefined;
}
