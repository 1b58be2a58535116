/** Colours with enough contrast against white text and a white page, all told apart at a glance. */
export const PALETTE = [
  '#d1495b',
  '#00798c',
  '#6a4c93',
  '#2b7a0b',
  '#c05a00',
  '#1d4ed8',
  '#9d174d',
  '#475569',
] as const;

/**
 * Pure: this tab's colour in a document, distinct from everyone else's while the palette
 * lasts. Keeps `preferred` unless someone with a lower client id has it (so two people who
 * join at once with one colour settle on two: the higher id moves), else takes the first
 * free palette colour. `others` maps the other client ids to their colours.
 */
export function distinctColor(
  preferred: string,
  selfId: number,
  others: ReadonlyMap<number, string>,
  palette: readonly string[] = PALETTE,
): string {
  const norm = (c: string) => c.toLowerCase();
  const holders = [...others].filter(([, c]) => norm(c) === norm(preferred));
  if (holders.every(([id]) => id > selfId)) return preferred;
  const taken = new Set([...others].map(([, c]) => norm(c)));
  return palette.find((c) => !taken.has(norm(c))) ?? preferred;
}

const PLACEHOLDER_WORDS = /^(guest|anonymous)$/i;

/**
 * Pure: the one or two letters on someone's avatar: the initials of their first two words,
 * skipping "Guest"/"Anonymous" (so "Guest Otter" is "O", not another "G").
 */
export function initialsOf(name: string): string {
  const words = name.split(/\s+/).filter((w) => w !== '');
  const meaningful = words.filter((w) => !PLACEHOLDER_WORDS.test(w));
  const chosen = (meaningful.length > 0 ? meaningful : words).slice(0, 2);
  const letters = chosen.map((w) => [...w][0]?.toUpperCase() ?? '').join('');
  return letters || '?';
}
