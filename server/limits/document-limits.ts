import * as Y from 'yjs';
import { CloseCode } from '../protocol/index.ts';
import type { Refusal } from './refusal.ts';
import type { LimitSettings } from './settings.ts';
import { type Clock, createTokenBucket, type TokenBucket } from './token-bucket.ts';

/** Limits that hold for a document over all its connections on this node (P22). */
export interface DocumentLimits {
  /** Charges `bytes` inbound to the document; a `Refusal` (4529) when over its byte rate. */
  inbound(doc: Y.Doc, bytes: number): Refusal | null;
  /**
   * Whether a client update may be applied to `doc` without growing it past
   * `maxDocumentBytes`; a `Refusal` (4413) otherwise. An admitted update is counted, so call it
   * only right before applying.
   */
  admitUpdate(doc: Y.Doc, update: Uint8Array): Refusal | null;
  /** The size estimate of `doc` in bytes (an upper bound of its encoded size), for tests. */
  sizeEstimate(doc: Y.Doc): number;
}

/** Slack for updates that only delete: a full document can still be cleaned up. */
const DELETE_ONLY_ALLOWANCE = 1.1;

/**
 * The document-wide limits, kept in `WeakMap`s keyed by the `Y.Doc` (state goes when the doc
 * is unloaded). The size guard keeps an upper-bound estimate (exact encoded size when first
 * checked, plus every admitted update's length, since merged updates never take more than
 * the sum of their parts) and recomputes the exact size only when the estimate would cross
 * the limit, so a check is O(1) except near the limit.
 */
export function createDocumentLimits(limits: LimitSettings, now?: Clock): DocumentLimits {
  const buckets = new WeakMap<Y.Doc, TokenBucket>();
  const estimates = new WeakMap<Y.Doc, { bytes: number }>();
  const estimateOf = (doc: Y.Doc) => {
    let e = estimates.get(doc);
    if (!e) {
      e = { bytes: Y.encodeStateAsUpdate(doc).length };
      estimates.set(doc, e);
    }
    return e;
  };
  return {
    inbound(doc, bytes) {
      let bucket = buckets.get(doc);
      if (!bucket) {
        bucket = createTokenBucket({
          ratePerSecond: limits.documentBytesPerSecond,
          burst: limits.documentByteBurst,
          ...(now ? { now } : {}),
        });
        buckets.set(doc, bucket);
      }
      if (bucket.take(bytes)) return null;
      const waitMs = bucket.retryAfterMs(bytes);
      return {
        code: CloseCode.RATE_LIMITED,
        reason: `this document receives too much data (limit ${limits.documentBytesPerSecond} bytes/s)`,
        retryAfterMs: Math.max(waitMs, 1000),
        waitMs,
      };
    },
    admitUpdate(doc, update) {
      const estimate = estimateOf(doc);
      const max = addsNoContent(update)
        ? limits.maxDocumentBytes * DELETE_ONLY_ALLOWANCE
        : limits.maxDocumentBytes;
      if (estimate.bytes + update.length > max) {
        estimate.bytes = Y.encodeStateAsUpdate(doc).length;
        if (estimate.bytes + update.length > max) {
          return {
            code: CloseCode.DOCUMENT_TOO_LARGE,
            reason: `the document has reached its maximum size (${formatBytes(limits.maxDocumentBytes)}); this edit was not saved — delete content or start a new document`,
          };
        }
      }
      estimate.bytes += update.length;
      return null;
    },
    sizeEstimate(doc) {
      return estimateOf(doc).bytes;
    },
  };
}

/** True for a Yjs (v1) update that carries no structs: its first varUint, the client count, is 0. */
function addsNoContent(update: Uint8Array): boolean {
  return update.length > 0 && update[0] === 0;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(0)} MiB` : `${n} bytes`;
}
