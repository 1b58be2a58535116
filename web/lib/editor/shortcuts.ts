/** What a keyboard shortcut does in the editor. */
export type ShortcutAction =
  | 'paragraph'
  | 'h1'
  | 'h2'
  | 'h3'
  | 'number'
  | 'bullet'
  | 'check'
  | 'quote'
  | 'code-block'
  | 'strikethrough'
  | 'code'
  | 'link';

/** The parts of a `KeyboardEvent` a shortcut depends on. */
export interface KeyLike {
  readonly key: string;
  readonly code: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly shiftKey: boolean;
}

/**
 * The editor's keyboard shortcuts beyond Lexical's own (Ctrl+B/I/U, Ctrl+Z, Ctrl+Shift+Z,
 * Ctrl+Y), as in Google Docs: Ctrl+Alt+0…3 paragraph and headings, Ctrl+Shift+7/8/9 numbered,
 * bulleted and check lists, Ctrl+Shift+X (or Alt+Shift+5) strikethrough, Ctrl+Alt+Q quote,
 * Ctrl+Alt+C code block, Ctrl+E inline code, Ctrl+K link. Cmd replaces Ctrl on macOS.
 * Keys are matched by physical `code`, so layouts where Shift+7 is not "&" work too.
 */
export const SHORTCUTS: ReadonlyArray<{ keys: string; action: ShortcutAction }> = [
  { keys: 'Ctrl+Alt+0', action: 'paragraph' },
  { keys: 'Ctrl+Alt+1', action: 'h1' },
  { keys: 'Ctrl+Alt+2', action: 'h2' },
  { keys: 'Ctrl+Alt+3', action: 'h3' },
  { keys: 'Ctrl+Shift+7', action: 'number' },
  { keys: 'Ctrl+Shift+8', action: 'bullet' },
  { keys: 'Ctrl+Shift+9', action: 'check' },
  { keys: 'Ctrl+Alt+Q', action: 'quote' },
  { keys: 'Ctrl+Alt+C', action: 'code-block' },
  { keys: 'Ctrl+Shift+X', action: 'strikethrough' },
  { keys: 'Alt+Shift+5', action: 'strikethrough' },
  { keys: 'Ctrl+E', action: 'code' },
  { keys: 'Ctrl+K', action: 'link' },
];

function keyName(event: KeyLike): string {
  if (/^Digit\d$/.test(event.code)) return event.code.slice(5);
  if (/^Key[A-Z]$/.test(event.code)) return event.code.slice(3);
  return event.key.length === 1 ? event.key.toUpperCase() : event.key;
}

/** Pure: the `Ctrl+Shift+X`-style name of a key press (Cmd counts as Ctrl). */
export function describeKeys(event: KeyLike): string {
  const parts: string[] = [];
  if (event.ctrlKey || event.metaKey) parts.push('Ctrl');
  if (event.altKey) parts.push('Alt');
  if (event.shiftKey) parts.push('Shift');
  parts.push(keyName(event));
  return parts.join('+');
}

/** Pure: the action of a key press, or `null` when it is not one of {@link SHORTCUTS}. */
export function shortcutFor(event: KeyLike): ShortcutAction | null {
  const keys = describeKeys(event);
  return SHORTCUTS.find((s) => s.keys === keys)?.action ?? null;
}

/** Pure: whether the key starts a new undo step (typing is undone word by word). */
export function endsUndoStep(event: KeyLike): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  return event.key === ' ' || event.key === 'Enter' || event.key === 'Tab';
}
