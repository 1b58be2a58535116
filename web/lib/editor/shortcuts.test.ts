import { describe, expect, it } from 'vitest';
import { describeKeys, endsUndoStep, type KeyLike, shortcutFor } from './shortcuts.ts';

function key(code: string, mods: Partial<KeyLike> = {}, k = ''): KeyLike {
  return { key: k, code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods };
}

describe('editor shortcuts', () => {
  it('maps Google Docs style chords by physical key, Cmd as Ctrl', () => {
    expect(shortcutFor(key('Digit2', { ctrlKey: true, altKey: true }))).toBe('h2');
    expect(shortcutFor(key('Digit8', { ctrlKey: true, shiftKey: true }, '*'))).toBe('bullet');
    expect(shortcutFor(key('Digit7', { metaKey: true, shiftKey: true }, '&'))).toBe('number');
    expect(shortcutFor(key('KeyK', { ctrlKey: true }, 'k'))).toBe('link');
    expect(shortcutFor(key('KeyX', { ctrlKey: true, shiftKey: true }, 'X'))).toBe('strikethrough');
    expect(shortcutFor(key('Digit5', { altKey: true, shiftKey: true }, '%'))).toBe('strikethrough');
  });

  it('ignores plain keys and chords it does not own', () => {
    expect(shortcutFor(key('KeyK', {}, 'k'))).toBeNull();
    expect(shortcutFor(key('KeyB', { ctrlKey: true }, 'b'))).toBeNull();
    expect(describeKeys(key('KeyB', { ctrlKey: true }, 'b'))).toBe('Ctrl+B');
  });

  it('starts a new undo step at word and line boundaries only', () => {
    expect(endsUndoStep(key('Space', {}, ' '))).toBe(true);
    expect(endsUndoStep(key('Enter', {}, 'Enter'))).toBe(true);
    expect(endsUndoStep(key('KeyA', {}, 'a'))).toBe(false);
    expect(endsUndoStep(key('Space', { ctrlKey: true }, ' '))).toBe(false);
  });
});
