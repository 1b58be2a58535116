import { systemClock } from '../clock.ts';
import { CloseCode } from '../protocol/index.ts';
import type { Refusal } from './refusal.ts';
import type { LimitSettings } from './settings.ts';
import {
  bucketRetryAfterMs,
  bucketTake,
  type Clock,
  createTokenBucket,
  type TokenBucket,
} from './token-bucket.ts';

/** The per-connection rate limits of one socket (P22). */
export interface ConnectionBudget {
  /** Charges one inbound frame of `bytes`; a `Refusal` (4529) when over the message or byte rate. */
  frame(bytes: number): Refusal | null;
  /** Charges one awareness update; a `Refusal` (4529) when over the awareness rate. */
  awareness(): Refusal | null;
}

/**
 * Creates the budget of one connection from `limits`; its buckets start full. `now` defaults
 * to the system clock (a node passes one clock to all its budgets).
 */
export function createConnectionBudget(
  limits: LimitSettings,
  now: Clock = systemClock().now,
): ConnectionBudget {
  return new Budget(limits, now);
}

/**
 * State in fields, methods on the prototype: every socket holds one, and closures would cost
 * each socket its own two functions and their context. The message and byte buckets are one
 * number each (`bucketTake`), not objects: with their boxed numbers, two bucket objects were
 * ≈ 180 B of every idle socket (issue 14, memory per connection).
 */
class Budget implements ConnectionBudget {
  /** When the message bucket is full again; 0 (a small integer, nothing boxed): full. */
  private messagesFullAt = 0;
  /** When the byte bucket is full again; 0: full. */
  private bytesFullAt = 0;
  private awarenessBucket: TokenBucket | null = null;

  constructor(
    private readonly limits: LimitSettings,
    private readonly now: Clock,
  ) {}

  frame(size: number): Refusal | null {
    const { limits } = this;
    const t = this.now();
    const { messagesPerSecond: mRate, messageBurst: mBurst } = limits;
    const messages = bucketTake(this.messagesFullAt, t, 1, mRate, mBurst);
    if (messages === null) {
      const waitMs = bucketRetryAfterMs(this.messagesFullAt, t, 1, mRate, mBurst);
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `too many messages on this connection (limit ${mRate}/s)`,
        retryAfterMs: Math.max(waitMs, 1000),
        waitMs,
      };
    }
    const { bytesPerSecond: bRate, byteBurst: bBurst } = limits;
    const bytes = bucketTake(this.bytesFullAt, t, size, bRate, bBurst);
    if (bytes === null) {
      // the message token is not taken: the frame did not pass
      const waitMs = bucketRetryAfterMs(this.bytesFullAt, t, size, bRate, bBurst);
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `too many bytes on this connection (limit ${bRate} bytes/s)`,
        retryAfterMs: Math.max(waitMs, 1000),
        waitMs,
      };
    }
    this.messagesFullAt = messages;
    this.bytesFullAt = bytes;
    return null;
  }

  awareness(): Refusal | null {
    const { limits } = this;
    this.awarenessBucket ??= createTokenBucket({
      ratePerSecond: limits.awarenessPerSecond,
      burst: limits.awarenessBurst,
      now: this.now,
    });
    if (this.awarenessBucket.take()) return null;
    return {
      code: CloseCode.RATE_LIMITED,
      reason: `too many awareness updates (limit ${limits.awarenessPerSecond}/s)`,
      retryAfterMs: Math.max(this.awarenessBucket.retryAfterMs(), 1000),
    };
  }
}
