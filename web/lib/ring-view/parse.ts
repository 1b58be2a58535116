import type { RingSnapshot } from './types.ts';

const STATES = new Set(['joining', 'active', 'draining']);

/**
 * Parses one `snapshot` event's data. Returns `null` (never throws) when it is not JSON or not
 * shaped like a {@link RingSnapshot}: the page keeps the last good picture instead.
 */
export function parseSnapshot(text: string): RingSnapshot | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  const { epoch, vnodes, ring, members, documents, documentsTotal } = value;
  if (!isCount(epoch) || !isCount(vnodes) || vnodes < 1 || !isCount(documentsTotal)) return null;
  if (!isStrings(ring) || !Array.isArray(members) || !Array.isArray(documents)) return null;
  for (const m of members) {
    if (!isObject(m) || typeof m.id !== 'string' || !STATES.has(m.state as string)) return null;
    if (typeof m.url !== 'string' || typeof m.build !== 'string') return null;
    if (m.load !== null) {
      if (!isObject(m.load)) return null;
      if (!isCount(m.load.loaded) || !isCount(m.load.stored) || !isCount(m.load.connections)) {
        return null;
      }
    }
  }
  for (const d of documents) {
    if (!isObject(d) || typeof d.id !== 'string') return null;
    if (!isStrings(d.loadedOn) || !isStrings(d.storedOn)) return null;
  }
  return value as unknown as RingSnapshot;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
