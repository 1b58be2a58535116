import { PALETTE } from './presence-style.ts';

/** Who this browser is in presence lists and cursors (DESIGN W2), kept in localStorage. */
export interface Identity {
  readonly name: string;
  readonly color: string;
}

const NAME_KEY = 'ringdoc:name';
const COLOR_KEY = 'ringdoc:color';

export { PALETTE } from './presence-style.ts';

const ANIMALS = [
  'Otter',
  'Heron',
  'Lynx',
  'Marten',
  'Puffin',
  'Ibex',
  'Gecko',
  'Wren',
  'Bison',
  'Koala',
];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** Longest display name kept. */
export const MAX_NAME_LENGTH = 40;

/** Trims and bounds a display name; `null` when nothing is left. */
export function cleanName(name: string): string | null {
  const clean = name.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_LENGTH);
  return clean.length > 0 ? clean : null;
}

/** The stored identity, creating (and storing) a random one on first use. */
export function loadIdentity(storage: Storage | undefined): Identity {
  let name = safeGet(storage, NAME_KEY);
  let color = safeGet(storage, COLOR_KEY);
  if (!name) {
    name = `Guest ${pick(ANIMALS)}`;
    safeSet(storage, NAME_KEY, name);
  }
  if (!color || !/^#[0-9a-f]{6}$/i.test(color)) {
    color = pick(PALETTE);
    safeSet(storage, COLOR_KEY, color);
  }
  return { name, color };
}

/** Stores a new display name (already cleaned). */
export function saveName(storage: Storage | undefined, name: string): void {
  safeSet(storage, NAME_KEY, name);
}

function safeGet(storage: Storage | undefined, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function safeSet(storage: Storage | undefined, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    /* private mode: the identity lives for this page only */
  }
}
