import * as Y from 'yjs';
import type { TypingTrace } from './trace.ts';

/** A cursor over bytes for unsigned LEB128 reads (lib0's varUint), without allocation. */
export interface ByteCursor {
  bytes: Uint8Array;
  pos: number;
}

/** Reads one varUint at `cur.pos` and advances; returns −1 when the bytes run out. */
export function readVarUint(cur: ByteCursor): number {
  let result = 0;
  let shift = 1;
  for (;;) {
    if (cur.pos >= cur.bytes.length) return -1;
    const byte = cur.bytes[cur.pos++]!;
    result += (byte & 0x7f) * shift;
    if (byte < 0x80) return result;
    shift *= 128;
  }
}

/**
 * The highest keystroke of `trace` that a Yjs update (v1) contains, or −1 when it contains
 * none of `trace`'s client. Exact for updates the server passes on unchanged (one keystroke
 * each): it reads only the header (first struct's client and clock, or the first deleted
 * id). With `merged` (servers that merge several updates into one broadcast, e.g.
 * Hocuspocus 4) it decodes the update and takes the maximum over every struct and deleted
 * range of that client.
 */
export function lastKeystrokeIn(update: Uint8Array, trace: TypingTrace, merged: boolean): number {
  if (merged) return lastKeystrokeDecoded(update, trace);
  const cur: ByteCursor = { bytes: update, pos: 0 };
  const structClients = readVarUint(cur);
  if (structClients > 0) {
    readVarUint(cur); // number of structs of this client
    const client = readVarUint(cur);
    const clock = readVarUint(cur);
    if (client !== trace.clientId) return -1;
    return trace.insertedBy[clock] ?? -1;
  }
  if (structClients < 0) return -1;
  const deleteClients = readVarUint(cur);
  if (deleteClients <= 0) return -1;
  const client = readVarUint(cur);
  readVarUint(cur); // number of ranges
  const clock = readVarUint(cur);
  if (client !== trace.clientId) return -1;
  return trace.deletedBy[clock] ?? -1;
}

function lastKeystrokeDecoded(update: Uint8Array, trace: TypingTrace): number {
  const decoded = Y.decodeUpdate(update);
  let last = -1;
  for (const struct of decoded.structs) {
    if (struct.id.client !== trace.clientId) continue;
    const k = trace.insertedBy[struct.id.clock + struct.length - 1] ?? -1;
    if (k > last) last = k;
  }
  const ranges = decoded.ds.clients.get(trace.clientId) ?? [];
  for (const range of ranges) {
    for (let c = range.clock; c < range.clock + range.len; c++) {
      const k = trace.deletedBy[c] ?? -1;
      if (k > last) last = k;
    }
  }
  return last;
}

/**
 * Every keystroke of `trace` a Yjs update contains, passed to `each` (per-token accounting of
 * servers that merge several updates into one broadcast). Without `merged` an update carries one
 * keystroke, read from its header as `lastKeystrokeIn` does.
 */
export function keystrokesIn(
  update: Uint8Array,
  trace: TypingTrace,
  merged: boolean,
  each: (k: number) => void,
): void {
  if (!merged) {
    const k = lastKeystrokeIn(update, trace, false);
    if (k >= 0) each(k);
    return;
  }
  const decoded = Y.decodeUpdate(update);
  const seen = new Set<number>();
  const add = (k: number | undefined) => {
    if (k === undefined || k < 0 || seen.has(k)) return;
    seen.add(k);
    each(k);
  };
  for (const struct of decoded.structs) {
    if (struct.id.client !== trace.clientId) continue;
    for (let c = struct.id.clock; c < struct.id.clock + struct.length; c++) {
      add(trace.insertedBy[c]);
    }
  }
  for (const range of decoded.ds.clients.get(trace.clientId) ?? []) {
    for (let c = range.clock; c < range.clock + range.len; c++) add(trace.deletedBy[c]);
  }
}
