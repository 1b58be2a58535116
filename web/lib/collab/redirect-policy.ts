/** A member the web app's route look-up reported (`/api/route/<docId>`). */
export interface KnownMember {
  readonly id: string;
  readonly url: string;
  readonly state?: string;
}

/** What to do with a REDIRECT (DESIGN C2, C3). */
export type RedirectDecision =
  /** Connect to `url` at once. */
  | { readonly kind: 'follow'; readonly url: string; readonly owner: string }
  /** The target is not a member we know: refresh the member list, then decide again. */
  | { readonly kind: 'refresh'; readonly reason: string }
  /** Too many hops (or still unknown after a refresh): back off, then start over from the route. */
  | { readonly kind: 'back-off'; readonly reason: string };

export interface RedirectPolicyOptions {
  /** Redirects followed in a row before backing off (default 5, DESIGN C3). */
  readonly maxHops?: number;
}

/**
 * Redirect bookkeeping for one provider. Only URLs of known members are followed (a node
 * cannot send the tab to an arbitrary host), at most `maxHops` in a row.
 */
export interface RedirectPolicy {
  /**
   * Decides on a redirect to `target`. `refreshed` says the member list was just re-fetched
   * for this redirect (an unknown target then backs off instead of refreshing again).
   */
  decide(
    target: { owner: string; url: string },
    members: readonly KnownMember[],
    refreshed: boolean,
  ): RedirectDecision;
  /** Redirects followed since the last reset. */
  readonly hops: number;
  /** Call once a connection has synced, or after backing off. */
  reset(): void;
}

const WS_SCHEME: Record<string, string> = {
  'ws:': 'ws:',
  'wss:': 'wss:',
  'http:': 'ws:',
  'https:': 'wss:',
};

/**
 * Normalises a member URL to the WebSocket base clients connect to: `http(s)` becomes
 * `ws(s)`, no trailing slash. `null` for anything else (not a URL, another scheme).
 */
export function normalizeMemberUrl(url: string): string | null {
  try {
    const u = new URL(url);
    const scheme = WS_SCHEME[u.protocol];
    if (scheme === undefined) return null;
    return `${scheme}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** Creates a policy; see {@link RedirectPolicy}. Never throws. */
export function createRedirectPolicy(options: RedirectPolicyOptions = {}): RedirectPolicy {
  const maxHops = options.maxHops ?? 5;
  let hops = 0;
  return {
    decide(target, members, refreshed) {
      if (hops >= maxHops) {
        return { kind: 'back-off', reason: `more than ${maxHops} redirects in a row` };
      }
      const wanted = normalizeMemberUrl(target.url);
      const member = members.find(
        (m) => m.id === target.owner && normalizeMemberUrl(m.url) === wanted,
      );
      if (!member || wanted === null) {
        return refreshed
          ? { kind: 'back-off', reason: `redirect to unknown member ${target.owner} ${target.url}` }
          : { kind: 'refresh', reason: `redirect to unknown member ${target.owner} ${target.url}` };
      }
      hops++;
      return { kind: 'follow', url: wanted, owner: member.id };
    },
    get hops() {
      return hops;
    },
    reset() {
      hops = 0;
    },
  };
}
