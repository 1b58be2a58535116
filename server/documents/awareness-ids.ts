import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** One entry of a y-protocols awareness update; `state` is its JSON text (`'null'`: removed). */
export interface AwarenessEntry {
  readonly clientId: number;
  readonly clock: number;
  readonly state: string;
}

/**
 * The entries of a y-protocols awareness update
 * (`varUint count • (varUint clientID • varUint clock • varString stateJSON)*`).
 * Throws on a malformed update; the caller maps that to bad-request (C5).
 */
export function decodeAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  if (count > update.length) throw new Error('awareness update: entry count exceeds its size');
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const state = decoding.readVarString(decoder);
    if (state !== 'null') JSON.parse(state);
    entries.push({ clientId, clock, state });
  }
  if (decoding.hasContent(decoder)) throw new Error('awareness update: trailing bytes');
  return entries;
}

/** Encodes entries as a y-protocols awareness update (the inverse of `decodeAwarenessEntries`). */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encoding.toUint8Array(encoder);
}

/** Client ids named in a y-protocols awareness update. Throws on a malformed update. */
export function awarenessClientIds(update: Uint8Array): number[] {
  return decodeAwarenessEntries(update).map((entry) => entry.clientId);
}
