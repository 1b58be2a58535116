/**
 * Ack latency of one client session, seen from its frames (PROTOCOL P10): content messages are
 * the client's SyncStep2 and Update frames, counted from 1 in arrival order; `ACK n` from the
 * node acknowledges 1…n. Each acknowledged content message reports the time from its arrival to
 * its ACK. Pure (the clock is passed in); at most `maxPending` arrivals are remembered (older
 * ones are dropped unreported), so a client that is never acknowledged costs bounded memory.
 */
export interface AckMeter {
  /** A frame the client sent. */
  clientFrame(frame: Uint8Array): void;
  /** A frame the node sent to the client. */
  serverFrame(frame: Uint8Array): void;
}

const SYNC = 0;
const STEP2 = 1;
const UPDATE = 2;
const ACK = 17;

/** The varUint at `offset` (lib0 encoding), or `null` when truncated or absurd. */
function varUint(bytes: Uint8Array, offset: number): number | null {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < bytes.length && shift < 53; i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value;
    shift += 7;
  }
  return null;
}

export function createAckMeter(
  now: () => number,
  observe: (seconds: number) => void,
  maxPending = 1024,
): AckMeter {
  const arrivals: number[] = [];
  /** Number of the content message at `arrivals[0]`. */
  let first = 1;
  let received = 0;
  return {
    clientFrame(frame) {
      if (frame[0] !== SYNC || (frame[1] !== STEP2 && frame[1] !== UPDATE)) return;
      received++;
      arrivals.push(now());
      if (arrivals.length > maxPending) {
        arrivals.shift();
        first++;
      }
    },
    serverFrame(frame) {
      if (frame[0] !== ACK) return;
      const n = varUint(frame, 1);
      if (n === null || n > received) return;
      const at = now();
      while (arrivals.length > 0 && first <= n) {
        observe((at - (arrivals.shift() as number)) / 1000);
        first++;
      }
      if (first <= n) first = n + 1;
    },
  };
}
