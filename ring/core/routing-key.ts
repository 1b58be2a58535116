import { murmur3 } from './hash.ts';

/** Separator between a document id and a sub-room (`docId/<sub>`, DESIGN R3). */
export const SUB_ROOM_SEPARATOR = '/';

/**
 * The part of `key` that is hashed for placement: everything before the first `/`
 * (DESIGN R3), so `docId` and `docId/<sub>` route together. A key without `/` is its own
 * routing key; `'/x'` routes as `''`. Pure; never throws.
 */
export function routingKey(key: string): string {
  const slash = key.indexOf(SUB_ROOM_SEPARATOR);
  return slash < 0 ? key : key.slice(0, slash);
}

/**
 * Position of `key` on the ring: the unsigned 32-bit murmur3 (seed 0) of its routing key,
 * computed without slicing. `routingPoint(k) === murmur3(routingKey(k))`. Pure; never throws.
 */
export function routingPoint(key: string): number {
  const slash = key.indexOf(SUB_ROOM_SEPARATOR);
  return murmur3(key, 0, slash < 0 ? key.length : slash);
}
