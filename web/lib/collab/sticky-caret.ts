import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

type State = Record<string, unknown>;

function isRelative(value: unknown): value is Y.RelativePosition {
  return value instanceof Y.RelativePosition;
}

/**
 * Pure: `state` with a collapsed caret (`anchorPos` and `focusPos` at one place) tied to the
 * character on its left (`assoc = -1`) instead of the one on its right. Selections that span
 * text, states without positions and positions that no longer resolve come back unchanged.
 */
export function withCaretStuckLeft(state: State, doc: Y.Doc): State {
  const { anchorPos, focusPos } = state;
  if (!isRelative(anchorPos) || !isRelative(focusPos)) return state;
  if (anchorPos.assoc < 0 && focusPos.assoc < 0) return state;
  const anchor = Y.createAbsolutePositionFromRelativePosition(anchorPos, doc);
  const focus = Y.createAbsolutePositionFromRelativePosition(focusPos, doc);
  if (!anchor || !focus || anchor.type !== focus.type || anchor.index !== focus.index) {
    return state;
  }
  const caret = Y.createRelativePositionFromTypeIndex(anchor.type, anchor.index, -1);
  return { ...state, anchorPos: caret, focusPos: caret };
}

function samePosition(a: unknown, b: unknown): boolean {
  if (isRelative(a) && isRelative(b)) return Y.compareRelativePositions(a, b);
  return a === b;
}

function sameState(a: State, b: State): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!samePosition(a[key], b[key])) return false;
  }
  return true;
}

/**
 * Makes the local caret of `awareness` stick to the character typed last, so that two people
 * typing at one spot each keep their run of letters together (issue 16, point 1).
 *
 * Why letters interleaved: `@lexical/yjs` (0.52) stores a collapsed caret as a Yjs relative
 * position with `assoc = 0`, i.e. tied to the character on its *right* (or "end of text").
 * When another person's letter arrives at the same offset, it is integrated left of that
 * character, and `$syncLocalCursorPosition` restores the local caret from the awareness state
 * — after the other person's letter. The next local letter then lands behind it: "hweolrllod".
 * Tied to the left character (`assoc = -1`), the caret stays right after the local letter and
 * the remote one goes after it, as in Google Docs.
 *
 * Every state this tab sets goes through {@link withCaretStuckLeft}; a new state equal to the
 * current one is not set again, so awareness traffic does not grow (the awareness's own
 * renewal, which passes the current state object, always goes through). Returns the undo.
 */
export function stickCaretLeft(awareness: Awareness, doc: Y.Doc): () => void {
  const original = awareness.setLocalState.bind(awareness);
  awareness.setLocalState = (state: State | null) => {
    if (state === null) {
      original(null);
      return;
    }
    const current = awareness.getLocalState();
    // The awareness renews itself by setting its current state again (every 15 s, or others
    // drop this tab after 30 s): that call must always go through.
    if (state === current) {
      original(state);
      return;
    }
    const next = withCaretStuckLeft(state, doc);
    if (current !== null && sameState(current, next)) return;
    original(next);
  };
  return () => {
    awareness.setLocalState = original;
  };
}
