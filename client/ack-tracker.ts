/**
 * Counts the content messages (sync step 2 and updates) one connection has sent against the
 * cumulative ACK the node returns once they are durable (DESIGN C4). One tracker per socket:
 * ACK numbers are per connection.
 */
export interface AckTracker {
  /** Records one content message sent; returns its 1-based sequence number. */
  sent(): number;
  /**
   * Records `ACK n`. Returns false (and changes nothing) when `n` is not a plausible
   * cumulative ack: smaller than the last one or larger than what was sent.
   */
  acked(n: number): boolean;
  /** Content messages sent and not yet acknowledged. */
  readonly pending: number;
  readonly sentCount: number;
  readonly ackedCount: number;
}

/** Creates an empty tracker. */
export function createAckTracker(): AckTracker {
  let sentCount = 0;
  let ackedCount = 0;
  return {
    sent() {
      sentCount++;
      return sentCount;
    },
    acked(n) {
      if (!Number.isSafeInteger(n) || n < ackedCount || n > sentCount) return false;
      ackedCount = n;
      return true;
    },
    get pending() {
      return sentCount - ackedCount;
    },
    get sentCount() {
      return sentCount;
    },
    get ackedCount() {
      return ackedCount;
    },
  };
}
