/**
 * Per-token accounting of one editor (issue 14): every keystroke k the editor sends is a token
 * with its own send time, the time the other editor of its document first received it, how many
 * times it was received, and its ACK time (ringdoc's durable ACK, or the stand-in a peer offers).
 * Nothing is cumulative: a token lost in the middle of a sequence stays lost even when later
 * tokens arrive. Pure (no I/O): the load generator feeds it, `account` reads it.
 */

/** What happened to the tokens of one range of keystrokes. */
export interface TokenAccount {
  readonly sent: number;
  /** Tokens received at least once by the other editor. */
  readonly delivered: number;
  /** Tokens never received. */
  readonly lost: number;
  /** Lost tokens followed by a delivered later token of the same editor (a hole in the sequence). */
  readonly lostMidSequence: number;
  /** Extra receptions (a token received n times counts n − 1). */
  readonly duplicated: number;
  /** Tokens with an ACK (or its stand-in). */
  readonly acked: number;
}

export const NO_STEP = -1;

/** The per-token ledger of one editor's `capacity` keystrokes. */
export class TokenLedger {
  readonly sendTime: Float64Array;
  readonly step: Int32Array;
  readonly receptions: Uint8Array;
  readonly ackTime: Float64Array;
  /** Keystrokes sent so far (they are sent in order: 0, 1, 2, …). */
  sentCount = 0;
  /** Every token below this has an ACK (ACKs are cumulative on the wire, recorded per token). */
  ackedBelow = 0;
  /** Tokens received at least once / acked so far (for "everything arrived" checks). */
  deliveredCount = 0;
  ackedCount = 0;

  constructor(readonly capacity: number) {
    this.sendTime = new Float64Array(capacity);
    this.step = new Int32Array(capacity).fill(NO_STEP);
    this.receptions = new Uint8Array(capacity);
    this.ackTime = new Float64Array(capacity).fill(Number.NaN);
  }

  /** Records the send of the next keystroke at `time` during `step`; returns its id. */
  send(time: number, step: number): number {
    const k = this.sentCount;
    if (k >= this.capacity) throw new Error(`token ${k} beyond the ledger's ${this.capacity}`);
    this.sendTime[k] = time;
    this.step[k] = step;
    this.sentCount = k + 1;
    return k;
  }

  /**
   * Records a reception of token `k` at `time`. Returns its propagation latency on the first
   * reception, −1 for a duplicate, −2 for a token never sent (both recorded, no latency).
   */
  receive(k: number, time: number): number {
    if (k < 0 || k >= this.sentCount) return -2;
    const n = this.receptions[k]!;
    if (n < 255) this.receptions[k] = n + 1;
    if (n !== 0) return -1;
    this.deliveredCount++;
    return time - this.sendTime[k]!;
  }

  /** Records the ACK of token `k` at `time`; returns its ACK latency, or −1 if already acked/unsent. */
  ack(k: number, time: number): number {
    if (k < 0 || k >= this.sentCount || !Number.isNaN(this.ackTime[k]!)) return -1;
    this.ackTime[k] = time;
    this.ackedCount++;
    return time - this.sendTime[k]!;
  }

  /**
   * A cumulative ACK covering every token below `count` arriving at `time`: each token not yet
   * acked gets its own ACK time; `onAck(k, latency)` is called for each.
   */
  ackBelow(count: number, time: number, onAck: (k: number, latency: number) => void): void {
    const end = Math.min(count, this.sentCount);
    for (let k = this.ackedBelow; k < end; k++) {
      const latency = this.ack(k, time);
      if (latency >= 0) onAck(k, latency);
    }
    if (end > this.ackedBelow) this.ackedBelow = end;
  }

  /** Accounting of the tokens sent during `step`. */
  account(step: number): TokenAccount {
    let sent = 0;
    let delivered = 0;
    let lost = 0;
    let lostMidSequence = 0;
    let duplicated = 0;
    let acked = 0;
    let laterDelivered = false;
    for (let k = this.sentCount - 1; k >= 0; k--) {
      const n = this.receptions[k]!;
      if (this.step[k] === step) {
        sent++;
        if (n > 0) delivered++;
        else {
          lost++;
          if (laterDelivered) lostMidSequence++;
        }
        if (n > 1) duplicated += n - 1;
        if (!Number.isNaN(this.ackTime[k]!)) acked++;
      }
      if (n > 0) laterDelivered = true;
    }
    return { sent, delivered, lost, lostMidSequence, duplicated, acked };
  }
}

/** The sum of several accounts (all editors of a step, all generator processes). */
export function addAccounts(accounts: readonly TokenAccount[]): TokenAccount {
  const sum = { sent: 0, delivered: 0, lost: 0, lostMidSequence: 0, duplicated: 0, acked: 0 };
  for (const a of accounts) {
    sum.sent += a.sent;
    sum.delivered += a.delivered;
    sum.lost += a.lost;
    sum.lostMidSequence += a.lostMidSequence;
    sum.duplicated += a.duplicated;
    sum.acked += a.acked;
  }
  return sum;
}
