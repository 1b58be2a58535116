import { CloseCode } from '../protocol/index.ts';
import type { Refusal } from './refusal.ts';
import type { LimitSettings } from './settings.ts';
import { type Clock, createTokenBucket } from './token-bucket.ts';

/** The per-connection rate limits of one socket (P22). */
export interface ConnectionBudget {
  /** Charges one inbound frame of `bytes`; a `Refusal` (4529) when over the message or byte rate. */
  frame(bytes: number): Refusal | null;
  /** Charges one awareness update; a `Refusal` (4529) when over the awareness rate. */
  awareness(): Refusal | null;
}

/** Creates the budget of one connection from `limits` (buckets start full). */
export function createConnectionBudget(limits: LimitSettings, now?: Clock): ConnectionBudget {
  const clock = now ? { now } : {};
  const messages = createTokenBucket({
    ratePerSecond: limits.messagesPerSecond,
    burst: limits.messageBurst,
    ...clock,
  });
  const bytes = createTokenBucket({
    ratePerSecond: limits.bytesPerSecond,
    burst: limits.byteBurst,
    ...clock,
  });
  const awareness = createTokenBucket({
    ratePerSecond: limits.awarenessPerSecond,
    burst: limits.awarenessBurst,
    ...clock,
  });
  return {
    frame(size) {
      if (!messages.take()) {
        return {
          code: CloseCode.RATE_LIMITED,
          reason: `too many messages on this connection (limit ${limits.messagesPerSecond}/s)`,
          retryAfterMs: Math.max(messages.retryAfterMs(), 1000),
        };
      }
      if (!bytes.take(size)) {
        return {
          code: CloseCode.RATE_LIMITED,
          reason: `too many bytes on this connection (limit ${limits.bytesPerSecond} bytes/s)`,
          retryAfterMs: Math.max(bytes.retryAfterMs(size), 1000),
        };
      }
      return null;
    },
    awareness() {
      if (awareness.take()) return null;
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `too many awareness updates (limit ${limits.awarenessPerSecond}/s)`,
        retryAfterMs: Math.max(awareness.retryAfterMs(), 1000),
      };
    },
  };
}
