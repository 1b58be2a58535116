import * as Y from 'yjs';
import { CloseCode } from '../protocol/index.ts';
import type { Refusal } from './refusal.ts';
import type { LimitSettings } from './settings.ts';
import { type Clock, createTokenBucket, type TokenBucket } from './token-bucket.ts';

/**
 * A document as the limits see it: a Y.Doc, or anything that encodes its whole state (a room,
 * whose Y.Doc comes and goes, issue 14). Its identity keys the limits' state.
 */
export type LimitedDocument = Y.Doc | { encode(): Uint8Array };

/** Limits that hold for a document over all its connections on this node (P22). */
export interface DocumentLimits {
  /** Charges `bytes` inbound to the document; a `Refusal` (4529) when over its byte rate. */
  inbound(doc: LimitedDocument, bytes: number): Refusal | null;
  /**
   * Whether a client update may be applied to `doc` without growing it past
   * `maxDocumentBytes`; a `Refusal` (4413) otherwise. An admitted update is counted, so call it
   * only right before applying.
   */
  admitUpdate(doc: LimitedDocument, update: Uint8Array): Refusal | null;
  /** The size estimate of `doc` in bytes (an upper bound of its encoded size), for tests. */
  sizeEstimate(doc: LimitedDocument): number;
}

/** Slack for updates that only delete: a full document can still be cleaned up. */
const DELETE_ONLY_ALLOWANCE = 1.1;

/**
 * The document-wide limits, kept in `WeakMap`s keyed by the document (state goes when the doc
 * is unloaded). The size guard keeps an upper-bound estimate (exact encoded size when first
 * checked, plus every admitted update's length, since merged updates never take more than
 * the sum of their parts) and recomputes the exact size only when the estimate would cross
 * the limit, so a check is O(1) except near the limit.
 */
export function createDocumentLimits(limits: LimitSettings, now?: Clock): DocumentLimits {
  const buckets = new WeakMap<LimitedDocument, TokenBucket>();
  const estimates = new WeakMap<LimitedDocument, { bytes: number }>();
  const estimateOf = (doc: LimitedDocument) => {
    let e = estimates.get(doc);
    if (!e) {
      e = { bytes: encodedSize(doc) };
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
        estimate.bytes = encodedSize(doc);
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

function encodedSize(doc: LimitedDocument): number {
  return doc instanceof Y.Doc ? Y.encodeStateAsUpdate(doc).length : doc.encode().length;
}

/** True for a Yjs (v1) update that carries no structs: its first varUint, the client count, is 0. */
function addsNoContent(update: Uint8Array): boolean {
  return update.length > 0 && update[0] === 0;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(0)} MiB` : `${n} bytes`;
}
