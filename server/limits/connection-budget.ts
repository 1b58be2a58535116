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
  return new Budget(limits, now);
}

/**
 * State in fields, methods on the prototype: every socket holds one, and closures would cost
 * each socket its own two functions and their context (issue 14, memory per connection).
 */
class Budget implements ConnectionBudget {
  private messages: TokenBucket | null = null;
  private bytes: TokenBucket | null = null;
  private awarenessBucket: TokenBucket | null = null;

  constructor(
    private readonly limits: LimitSettings,
    private readonly now: Clock | undefined,
  ) {}

  private bucket(ratePerSecond: number, burst: number): TokenBucket {
    return createTokenBucket(
      this.now ? { ratePerSecond, burst, now: this.now } : { ratePerSecond, burst },
    );
  }

  frame(size: number): Refusal | null {
    const { limits } = this;
    this.messages ??= this.bucket(limits.messagesPerSecond, limits.messageBurst);
    this.bytes ??= this.bucket(limits.bytesPerSecond, limits.byteBurst);
    if (!this.messages.take()) {
      const waitMs = this.messages.retryAfterMs();
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `too many messages on this connection (limit ${limits.messagesPerSecond}/s)`,
        retryAfterMs: Math.max(waitMs, 1000),
        waitMs,
      };
    }
    if (!this.bytes.take(size)) {
      // the message token is given back: the frame did not pass
      this.messages.take(-1);
      const waitMs = this.bytes.retryAfterMs(size);
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `too many bytes on this connection (limit ${limits.bytesPerSecond} bytes/s)`,
        retryAfterMs: Math.max(waitMs, 1000),
        waitMs,
      };
    }
    return null;
  }

  awareness(): Refusal | null {
    const { limits } = this;
    this.awarenessBucket ??= this.bucket(limits.awarenessPerSecond, limits.awarenessBurst);
    if (this.awarenessBucket.take()) return null;
    return {
      code: CloseCode.RATE_LIMITED,
      reason: `too many awareness updates (limit ${limits.awarenessPerSecond}/s)`,
      retryAfterMs: Math.max(this.awarenessBucket.retryAfterMs(), 1000),
    };
  }
}
