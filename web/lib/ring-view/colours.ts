import { murmur3 } from '../../../ring/core/index.ts';
import { compare } from './snapshot.ts';

/** Nine well-separated colours (Tableau 10 without its grey, which means "no owner"). */
export const MEMBER_PALETTE: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
];

/**
 * Pure: a colour per member id. Each id starts at palette slot murmur3(id) mod size and probes
 * forward to the first free slot (ids taken in sorted order), so a member keeps its colour
 * when others join or leave unless they collided; beyond the palette size colours repeat.
 */
export function memberColours(
  ids: Iterable<string>,
  palette: readonly string[] = MEMBER_PALETTE,
): Map<string, string> {
  const sorted = [...new Set(ids)].sort(compare);
  const taken = new Set<number>();
  const out = new Map<string, string>();
  for (const id of sorted) {
    let slot = murmur3(id) % palette.length;
    for (let i = 0; i < palette.length && taken.has(slot); i++) slot = (slot + 1) % palette.length;
    if (taken.size < palette.length) taken.add(slot);
    out.set(id, palette[slot]!);
  }
  return out;
}
