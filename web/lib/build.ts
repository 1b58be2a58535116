/** Build id of this bundle (C6), inlined by Next.js from `NEXT_PUBLIC_RINGDOC_BUILD`. */
export const BUNDLE_BUILD: string = process.env.NEXT_PUBLIC_RINGDOC_BUILD || '0.1.0';

const BUILD = /^[A-Za-z0-9._+-]{1,64}$/;

/**
 * The build this web server serves (server side, read per request): `RINGDOC_WEB_BUILD` when
 * valid, so one compiled `.next` output can run as two builds side by side during a web rollout
 * (README, Rollouts → web builds), else the bundle's.
 */
export function runtimeBuild(env: Readonly<Record<string, string | undefined>>): string {
  const build = env.RINGDOC_WEB_BUILD;
  return build && BUILD.test(build) ? build : BUNDLE_BUILD;
}

/**
 * The test/drill fault of this web server (`RINGDOC_WEB_FAULT`): `handshake` makes its editors
 * announce a protocol version no node speaks (a bad web build that a web rollout must detect
 * and roll back). Anything else: none. Never set in production.
 */
export function webFault(env: Readonly<Record<string, string | undefined>>): 'handshake' | null {
  return env.RINGDOC_WEB_FAULT === 'handshake' ? 'handshake' : null;
}

/**
 * The build a tab reports: `fallback` (the server's build, default the bundle's), unless the page
 * URL carries `?build=` (tests use it to play an outdated tab). Invalid overrides are ignored.
 */
export function effectiveBuild(
  override: string | undefined | null,
  fallback: string = BUNDLE_BUILD,
): string {
  return override && BUILD.test(override) ? override : fallback;
}
