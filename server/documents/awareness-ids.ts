import * as decoding from 'lib0/decoding';

/**
 * Client ids named in a y-protocols awareness update
 * (`varUint count • (varUint clientID • varUint clock • varString stateJSON)*`).
 * Throws on a malformed update; the caller maps that to bad-request (C5).
 */
export function awarenessClientIds(update: Uint8Array): number[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  if (count > update.length) throw new Error('awareness update: entry count exceeds its size');
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(decoding.readVarUint(decoder));
    decoding.readVarUint(decoder);
    const state = decoding.readVarString(decoder);
    if (state !== 'null') JSON.parse(state);
  }
  if (decoding.hasContent(decoder)) throw new Error('awareness update: trailing bytes');
  return ids;
}
