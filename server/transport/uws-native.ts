import type * as UwsTypes from 'uWebSockets.js';
import { createRequire } from 'node:module';

export type Uws = typeof UwsTypes;

/**
 * Loads uWebSockets.js and refuses the slow pure-JS fallback (DESIGN N5, STACK).
 *
 * The package silently falls back to `dist/index` when its native addon cannot load
 * (wrong Node ABI, old glibc) or when `UWS_USE_FALLBACK` is set. A node on the fallback is
 * many times slower and must not join a cluster, so this throws a clear error instead.
 */
export function loadNativeUws(): Uws {
  const require = createRequire(import.meta.url);
  const uws = require('uWebSockets.js') as Uws & { getParts?: unknown };
  // The fallback module is in the require cache only if uws.js fell back to it.
  const fallbackPath = require.resolve('uWebSockets.js/dist/index');
  const fallback = require.cache[fallbackPath]?.exports;
  if (
    (fallback !== undefined && uws === fallback) ||
    typeof uws.SSLApp !== 'function' ||
    typeof uws.getParts !== 'function'
  ) {
    throw new Error(
      `refusing to start on the slow JavaScript fallback of uWebSockets.js: the native addon did not load (Node ${process.versions.node}, ABI ${process.versions.modules}, UWS_USE_FALLBACK=${process.env.UWS_USE_FALLBACK ?? ''}); ` +
        'ringdoc needs Node 20 on linux-x64/arm64 with glibc >= 2.34',
    );
  }
  return uws;
}
