import { createWebBackend, type WebBackend } from './backend.ts';
import { readWebConfig } from './config.ts';
import { createWebLogger } from './log.ts';

const KEY = Symbol.for('ringdoc.web.backend');

/**
 * The composition root of the web app's server side: one {@link WebBackend} per process,
 * created on first use from the environment. Next.js route handlers have no other place to
 * keep a long-lived etcd watch, so this is the one process-wide instance (kept on
 * `globalThis` so dev-mode module reloads do not open a second etcd connection).
 */
export function getBackend(): WebBackend {
  const holder = globalThis as typeof globalThis & { [KEY]?: WebBackend };
  let backend = holder[KEY];
  if (!backend) {
    backend = createWebBackend(readWebConfig(process.env), {
      log: createWebLogger(process.env.RINGDOC_LOG_LEVEL),
    });
    holder[KEY] = backend;
  }
  return backend;
}
