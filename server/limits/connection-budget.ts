import { CloseCode } from '../protocol/index.ts';
import type { Refusal } from './refusal.ts';
import type { LimitSettings } from './settings.ts';
import { type Clock, createTokenBucket, type TokenBucket } from './token-bucket.ts';

/** The per-connection rate limits of one socket (P22). */
export interface ConnectionBudget {
  /** Charges one inbound frame of `bytes`; a `Refusal` (4529) when over the message or byte rate. */
  frame(bytes: number): Refusal | null;
  /** Charges one awareness update; a `Refusal` (4529) when over the awareness rate. */
  awareness(): Refusal | null;
}

/**
 * Creates the budget of one connection from `limits`. Its buckets are created on first use
 * (an idle socket holds none) and start full.
 */
export function createConnectionBudget(limits: LimitSettings, now?: Clock): ConnectionBudget {
  const clock = now ? { now } : {};
  let messages: TokenBucket | null = null;
  let bytes: TokenBucket | null = null;
  let awareness: TokenBucket | null = null;
  return {
    frame(size) {
      messages ??= createTokenBucket({
        ratePerSecond: limits.messagesPerSecond,
        burst: limits.messageBurst,
        ...clock,
      });
      bytes ??= createTokenBucket({
        ratePerSecond: limits.bytesPerSecond,
        burst: limits.byteBurst,
        ...clock,
      });
      if (!messages.take()) {
        const waitMs = messages.retryAfterMs();
        return {
          code: CloseCode.RATE_LIMITED,
          reason: `too many messages on this connection (limit ${limits.messagesPerSecond}/s)`,
          retryAfterMs: Math.max(waitMs, 1000),
          waitMs,
        };
      }
      if (!bytes.take(size)) {
        // the message token is given back: the frame did not pass
        messages.take(-1);
        const waitMs = bytes.retryAfterMs(size);
        return {
          code: CloseCode.RATE_LIMITED,
          reason: `too many bytes on this connection (limit ${limits.bytesPerSecond} bytes/s)`,
          retryAfterMs: Math.max(waitMs, 1000),
          waitMs,
        };
      }
      return null;
    },
    awareness() {
      awareness ??= createTokenBucket({
        ratePerSecond: limits.awarenessPerSecond,
        burst: limits.awarenessBurst,
        ...clock,
      });
      if (awareness.take()) return null;
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `too many awareness updates (limit ${limits.awarenessPerSecond}/s)`,
        retryAfterMs: Math.max(awareness.retryAfterMs(), 1000),
      };
    },
  };
}
