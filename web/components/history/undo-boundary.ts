/**
 * `@lexical/react`'s collaboration plugin publishes its Yjs UndoManager on the editor under this
 * well-known key (Lexical 0.52, `useYjsCollaboration.tsx`) so tools can force an undo boundary.
 */
const COLLAB_UNDO_MANAGER = Symbol.for('@lexical/yjs/UndoManager');

/**
 * Starts a new undo step in `editor`'s collaboration UndoManager, then runs `change`: without
 * the boundary, a change made within the capture timeout (500 ms) of the user's last edit — or
 * of an edit Lexical itself wrote (normalization) — is merged into it, and Undo takes both
 * back. No boundary after it: what Lexical writes back while applying `change` belongs to the
 * same step. Without a published UndoManager `change` simply runs.
 */
export function asOwnUndoStep(editor: object | null, change: () => void): void {
  const manager = editor
    ? (editor as Record<symbol, { stopCapturing?: () => void } | undefined>)[COLLAB_UNDO_MANAGER]
    : undefined;
  manager?.stopCapturing?.();
  change();
}
