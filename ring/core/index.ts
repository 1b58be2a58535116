/** Pure consistent-hash ring core (DESIGN §2): no I/O, no module state. */
export { DEFAULT_VNODES } from './continuum.ts';
export {
  diffRings,
  type MovedKey,
  movedKeys,
  rangeContainsKey,
  rangeContainsPoint,
} from './diff.ts';
export { murmur3 } from './hash.ts';
export { createRing, EMPTY_RING } from './ring.ts';
export { routingKey, routingPoint, SUB_ROOM_SEPARATOR } from './routing-key.ts';
export type { MemberId, MovedRange, Ring, RingOptions } from './types.ts';
