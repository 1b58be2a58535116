import {
  CloseCode,
  closeCodeInfo,
  type Notice,
  type Redirect,
  type UpgradeRequired,
} from '../server/protocol/index.ts';

/** What the provider does after its socket closed (PROTOCOL.md close-code table, DESIGN C2–C7). */
export type CloseDecision =
  /** Reconnect at once to the redirect target (subject to the redirect policy). */
  | { readonly kind: 'redirect'; readonly target: Redirect }
  /** Reconnect after a backoff; never sooner than `retryAfterMs` when given. */
  | { readonly kind: 'retry'; readonly retryAfterMs?: number; readonly reason: string }
  /** Give up on this document in this tab (bad request, forbidden, too big). */
  | { readonly kind: 'stop'; readonly code: number; readonly reason: string }
  /** This build is too old: keep edits in IndexedDB and reload (C6). */
  | { readonly kind: 'upgrade'; readonly minBuild: string; readonly message: string }
  /** The document was re-created under another generation: do not merge; reload and offer the local text (M7). */
  | { readonly kind: 'recover'; readonly reason: string }
  /** The ticket was refused or expired (4401): fetch a new one, then reconnect (P21). */
  | { readonly kind: 'reauth'; readonly reason: string };

/** What the node told this socket before it closed. */
export interface CloseContext {
  readonly code: number;
  readonly reason: string;
  readonly notice?: Notice | null;
  readonly redirect?: Redirect | null;
  readonly upgrade?: UpgradeRequired | null;
}

/**
 * Maps a close (code plus the NOTICE / REDIRECT / UPGRADE_REQUIRED that preceded it) to one
 * decision. Pure and total: unknown 44xx codes stop, any other unknown code retries; a
 * redirect close without a REDIRECT message retries (the route look-up then finds the owner).
 */
export function decideOnClose(ctx: CloseContext): CloseDecision {
  const info = closeCodeInfo(ctx.code);
  const notice = ctx.notice && ctx.notice.code === ctx.code ? ctx.notice : null;
  const reason = notice?.reason || ctx.reason || info.reason;
  if (ctx.code === CloseCode.UNAUTHORIZED) return { kind: 'reauth', reason };
  switch (info.action) {
    case 'follow-redirect':
      if (ctx.redirect) return { kind: 'redirect', target: ctx.redirect };
      return { kind: 'retry', reason: 'redirected without a target' };
    case 'reload':
      return {
        kind: 'upgrade',
        minBuild: ctx.upgrade?.minBuild ?? '',
        message: ctx.upgrade?.message || reason,
      };
    case 'recover':
      return { kind: 'recover', reason };
    case 'stop':
      return {
        kind: 'stop',
        code: ctx.code,
        reason:
          ctx.code === CloseCode.TOO_BIG
            ? 'An edit was too large for the server to accept; it is kept on this device.'
            : reason,
      };
    case 'retry':
      return notice?.retryAfterMs !== undefined
        ? { kind: 'retry', retryAfterMs: notice.retryAfterMs, reason }
        : { kind: 'retry', reason };
  }
}
