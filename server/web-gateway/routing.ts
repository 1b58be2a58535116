/** One served web build: its id and the upstream (`next start`) serving it. */
export interface WebUpstream {
  readonly build: string;
  readonly url: string;
  /** Process id of a local upstream (the local driver stops it by pid), or `null`. */
  readonly pid: number | null;
}

/**
 * What the web gateway serves (`<prefix>web-gateway` in etcd, written by `ringdoc rollout web`
 * and the launchers): the stable build, and during a web rollout the new build with the share
 * (0–100 %) of new browsers it gets.
 */
export interface GatewayRouting {
  readonly version: 1;
  readonly stable: WebUpstream;
  readonly canary: (WebUpstream & { readonly share: number }) | null;
}

/** The sticky cookie naming a browser's build. */
export const BUILD_COOKIE = 'ringdoc-build';

const BUILD = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseUpstream(v: unknown, what: string): WebUpstream | Error {
  if (!isObject(v)) return new Error(`${what} is not an object`);
  if (typeof v.build !== 'string' || !BUILD.test(v.build))
    return new Error(`${what}.build is not a build id`);
  if (typeof v.url !== 'string' || !/^https?:\/\/[^/]+$/.test(v.url))
    return new Error(`${what}.url is not an http(s) origin`);
  if (v.pid !== null && v.pid !== undefined && !Number.isInteger(v.pid))
    return new Error(`${what}.pid is not an integer`);
  return { build: v.build, url: v.url, pid: (v.pid as number | null | undefined) ?? null };
}

/** Parses the stored routing; an `Error` names the first wrong field. Pure. */
export function parseGatewayRouting(text: string): GatewayRouting | Error {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return new Error('web-gateway record is not JSON');
  }
  if (!isObject(raw)) return new Error('web-gateway record is not an object');
  if (raw.version !== 1)
    return new Error(`unsupported web-gateway version ${JSON.stringify(raw.version)}`);
  const stable = parseUpstream(raw.stable, 'stable');
  if (stable instanceof Error) return stable;
  if (raw.canary === null || raw.canary === undefined) return { version: 1, stable, canary: null };
  const canary = parseUpstream(raw.canary, 'canary');
  if (canary instanceof Error) return canary;
  const share = (raw.canary as Record<string, unknown>).share;
  if (typeof share !== 'number' || !(share >= 0 && share <= 100))
    return new Error('canary.share is not a percentage (0–100)');
  if (canary.build === stable.build) return new Error('canary and stable are the same build');
  return { version: 1, stable, canary: { ...canary, share } };
}

/** Where one request goes, and whether the browser's cookie must be (re)written. */
export interface RouteDecision {
  readonly upstream: WebUpstream;
  /** The build to store in {@link BUILD_COOKIE}, or `null` when the cookie is already right. */
  readonly setCookie: string | null;
}

/**
 * The gateway's routing decision. Pure. A cookie naming a build still served keeps its browser
 * there (sticky: a browser never flips between builds while the share moves); a browser without
 * one, or whose cookie names a build no longer served (rolled back, retired by a promotion), is
 * assigned: the new build when `random` (uniform in [0, 1)) falls under the share, else the
 * stable build.
 */
export function routeRequest(
  routing: GatewayRouting,
  cookieBuild: string | null,
  random: number,
): RouteDecision {
  const { stable, canary } = routing;
  if (cookieBuild === stable.build) return { upstream: stable, setCookie: null };
  if (canary && cookieBuild === canary.build) return { upstream: canary, setCookie: null };
  const upstream = canary && random * 100 < canary.share ? canary : stable;
  return { upstream, setCookie: upstream.build };
}

/** The value of cookie `name` in a `Cookie` header, or `null`. Pure. */
export function cookieFrom(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
