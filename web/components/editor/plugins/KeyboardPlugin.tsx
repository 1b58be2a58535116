'use client';

import { $isListItemNode } from '@lexical/list';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { $findMatchingParent, mergeRegister } from '@lexical/utils';
import {
  $getSelection,
  $isRangeSelection,
  COMMAND_PRIORITY_HIGH,
  FORMAT_TEXT_COMMAND,
  INDENT_CONTENT_COMMAND,
  KEY_DOWN_COMMAND,
  KEY_ESCAPE_COMMAND,
  KEY_TAB_COMMAND,
  type LexicalEditor,
  OUTDENT_CONTENT_COMMAND,
  PASTE_COMMAND,
} from 'lexical';
import { useEffect } from 'react';
import type { UndoManager } from 'yjs';
import { $readSelectionFormat, setBlockType } from '../../../lib/editor/blocks.ts';
import { OPEN_LINK_EDITOR_COMMAND } from '../../../lib/editor/commands.ts';
import { endsUndoStep, type ShortcutAction, shortcutFor } from '../../../lib/editor/shortcuts.ts';

/** Where CollaborationPlugin publishes its Yjs UndoManager on the editor (@lexical/react 0.52). */
const COLLAB_UNDO_MANAGER = Symbol.for('@lexical/yjs/UndoManager');

function undoManagerOf(editor: LexicalEditor): UndoManager | undefined {
  return (editor as unknown as Record<symbol, UndoManager | undefined>)[COLLAB_UNDO_MANAGER];
}

function run(editor: LexicalEditor, action: ShortcutAction): void {
  if (action === 'link') {
    editor.dispatchCommand(OPEN_LINK_EDITOR_COMMAND, undefined);
  } else if (action === 'strikethrough' || action === 'code') {
    editor.dispatchCommand(FORMAT_TEXT_COMMAND, action);
  } else {
    const current = editor.getEditorState().read($readSelectionFormat).block;
    setBlockType(editor, current, action);
  }
}

function $inListItem(): boolean {
  const selection = $getSelection();
  if (!$isRangeSelection(selection)) return false;
  return $findMatchingParent(selection.anchor.getNode(), $isListItemNode) !== null;
}

/**
 * Keyboard behaviour on top of Lexical's rich text:
 * - the shortcuts of `lib/editor/shortcuts.ts` (headings, lists, strikethrough, Ctrl+K…);
 * - Tab / Shift+Tab indent and outdent list items; elsewhere Tab leaves the editor as usual;
 * - Escape keeps the caret in the text (Lexical blurs the editor, which lost later keystrokes
 *   and the undo/redo shortcuts);
 * - typing is undone word by word: a space, Enter or a paste closes the current undo step of
 *   the Yjs UndoManager instead of merging everything typed within its 500 ms window.
 */
export function KeyboardPlugin() {
  const [editor] = useLexicalComposerContext();
  useEffect(
    () =>
      mergeRegister(
        editor.registerCommand(
          KEY_DOWN_COMMAND,
          (event) => {
            if (endsUndoStep(event)) undoManagerOf(editor)?.stopCapturing();
            const action = shortcutFor(event);
            if (!action) return false;
            event.preventDefault();
            run(editor, action);
            return true;
          },
          COMMAND_PRIORITY_HIGH,
        ),
        editor.registerCommand(
          PASTE_COMMAND,
          () => {
            undoManagerOf(editor)?.stopCapturing();
            return false;
          },
          COMMAND_PRIORITY_HIGH,
        ),
        editor.registerCommand(
          KEY_TAB_COMMAND,
          (event) => {
            if (!$inListItem()) return false;
            event.preventDefault();
            editor.dispatchCommand(
              event.shiftKey ? OUTDENT_CONTENT_COMMAND : INDENT_CONTENT_COMMAND,
              undefined,
            );
            return true;
          },
          COMMAND_PRIORITY_HIGH,
        ),
        editor.registerCommand(
          KEY_ESCAPE_COMMAND,
          (event) => {
            event.preventDefault();
            return true;
          },
          COMMAND_PRIORITY_HIGH,
        ),
      ),
    [editor],
  );
  return null;
}
