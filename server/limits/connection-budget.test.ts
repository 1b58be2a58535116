import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../../ring/testing/seed.ts';
import { createConnectionBudget } from './connection-budget.ts';
import { resolveLimits } from './settings.ts';
import { createTokenBucket } from './token-bucket.ts';

const SEED = propertySeed();

describe('connection budget', () => {
  it('[P22] passes exactly the frames a message bucket and a byte bucket would, a refused frame taking nothing (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 100, max: 5000 }),
        fc.integer({ min: 100, max: 5000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 8000 })), {
          maxLength: 150,
        }),
        (messagesPerSecond, messageBurst, bytesPerSecond, byteBurst, frames) => {
          let t = 0;
          const now = () => t;
          const budget = createConnectionBudget(
            resolveLimits({ messagesPerSecond, messageBurst, bytesPerSecond, byteBurst }),
            now,
          );
          // the model: two buckets; a frame refused for its bytes gives its message token back
          const messages = createTokenBucket({
            ratePerSecond: messagesPerSecond,
            burst: messageBurst,
            now,
          });
          const bytes = createTokenBucket({ ratePerSecond: bytesPerSecond, burst: byteBurst, now });
          for (const [wait, size] of frames) {
            t += wait;
            const refusal = budget.frame(size);
            let passes = messages.take();
            if (passes && !bytes.take(size)) {
              messages.take(-1);
              passes = false;
            }
            expect(refusal === null).toBe(passes);
            if (refusal) {
              expect(refusal.reason).toMatch(/too many (messages|bytes) on this connection/);
              expect(refusal.retryAfterMs).toBeGreaterThanOrEqual(1000);
              expect(refusal.waitMs).toBeGreaterThan(0);
            }
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
