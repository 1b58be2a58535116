'use client';

import { $isLinkNode, TOGGLE_LINK_COMMAND } from '@lexical/link';
import {
  $isListNode,
  INSERT_ORDERED_LIST_COMMAND,
  INSERT_UNORDERED_LIST_COMMAND,
  ListNode,
  REMOVE_LIST_COMMAND,
} from '@lexical/list';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { $createHeadingNode, $isHeadingNode, type HeadingTagType } from '@lexical/rich-text';
import { $setBlocksType } from '@lexical/selection';
import { $getNearestNodeOfType, mergeRegister } from '@lexical/utils';
import {
  $createParagraphNode,
  $getSelection,
  $isRangeSelection,
  CAN_REDO_COMMAND,
  CAN_UNDO_COMMAND,
  COMMAND_PRIORITY_LOW,
  FORMAT_TEXT_COMMAND,
  REDO_COMMAND,
  type TextFormatType,
  UNDO_COMMAND,
} from 'lexical';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';

type BlockType = 'paragraph' | HeadingTagType | 'bullet' | 'number';

interface ToolbarState {
  block: BlockType;
  bold: boolean;
  italic: boolean;
  underline: boolean;
  code: boolean;
  link: boolean;
}

const INITIAL: ToolbarState = {
  block: 'paragraph',
  bold: false,
  italic: false,
  underline: false,
  code: false,
  link: false,
};

const BLOCKS: ReadonlyArray<{ value: BlockType; label: string }> = [
  { value: 'paragraph', label: 'Paragraph' },
  { value: 'h1', label: 'Heading 1' },
  { value: 'h2', label: 'Heading 2' },
  { value: 'h3', label: 'Heading 3' },
  { value: 'bullet', label: 'Bulleted list' },
  { value: 'number', label: 'Numbered list' },
];

function $readToolbarState(): ToolbarState {
  const selection = $getSelection();
  if (!$isRangeSelection(selection)) return INITIAL;
  const anchor = selection.anchor.getNode();
  const top = anchor.getKey() === 'root' ? anchor : anchor.getTopLevelElementOrThrow();
  let block: BlockType = 'paragraph';
  const list = $getNearestNodeOfType(anchor, ListNode);
  if (list && $isListNode(list)) {
    block = list.getListType() === 'number' ? 'number' : 'bullet';
  } else if ($isHeadingNode(top)) {
    block = top.getTag();
  }
  const parent = anchor.getParent();
  return {
    block,
    bold: selection.hasFormat('bold'),
    italic: selection.hasFormat('italic'),
    underline: selection.hasFormat('underline'),
    code: selection.hasFormat('code'),
    link: $isLinkNode(parent) || $isLinkNode(anchor),
  };
}

/**
 * Formatting toolbar (DESIGN W1): block type (paragraph, H1–H3, lists), bold, italic,
 * underline, inline code, links, and undo/redo of this user's own edits through the Yjs
 * UndoManager that CollaborationPlugin registers for UNDO_COMMAND / REDO_COMMAND.
 */
export function Toolbar() {
  const [editor] = useLexicalComposerContext();
  const [state, setState] = useState<ToolbarState>(INITIAL);
  const [canUndo, setCanUndo] = useState(false);
  const [canRedo, setCanRedo] = useState(false);
  const [linkOpen, setLinkOpen] = useState(false);
  const [linkUrl, setLinkUrl] = useState('https://');
  const linkInputId = useId();

  useEffect(
    () =>
      mergeRegister(
        editor.registerUpdateListener(({ editorState }) => {
          editorState.read(() => setState($readToolbarState()));
        }),
        editor.registerCommand(
          CAN_UNDO_COMMAND,
          (payload) => {
            setCanUndo(payload);
            return false;
          },
          COMMAND_PRIORITY_LOW,
        ),
        editor.registerCommand(
          CAN_REDO_COMMAND,
          (payload) => {
            setCanRedo(payload);
            return false;
          },
          COMMAND_PRIORITY_LOW,
        ),
      ),
    [editor],
  );

  const setBlock = useCallback(
    (next: BlockType) => {
      if (next === 'bullet') {
        editor.dispatchCommand(
          state.block === 'bullet' ? REMOVE_LIST_COMMAND : INSERT_UNORDERED_LIST_COMMAND,
          undefined,
        );
        return;
      }
      if (next === 'number') {
        editor.dispatchCommand(
          state.block === 'number' ? REMOVE_LIST_COMMAND : INSERT_ORDERED_LIST_COMMAND,
          undefined,
        );
        return;
      }
      if (state.block === 'bullet' || state.block === 'number') {
        editor.dispatchCommand(REMOVE_LIST_COMMAND, undefined);
      }
      editor.update(() => {
        const selection = $getSelection();
        if (!$isRangeSelection(selection)) return;
        $setBlocksType(selection, () =>
          next === 'paragraph' ? $createParagraphNode() : $createHeadingNode(next),
        );
      });
      editor.focus();
    },
    [editor, state.block],
  );

  const format = (kind: TextFormatType) => {
    editor.dispatchCommand(FORMAT_TEXT_COMMAND, kind);
    editor.focus();
  };

  const applyLink = (event: FormEvent) => {
    event.preventDefault();
    const url = linkUrl.trim();
    editor.dispatchCommand(TOGGLE_LINK_COMMAND, url === '' ? null : url);
    setLinkOpen(false);
    editor.focus();
  };

  const toggleLink = () => {
    if (state.link) {
      editor.dispatchCommand(TOGGLE_LINK_COMMAND, null);
      return;
    }
    setLinkUrl('https://');
    setLinkOpen((open) => !open);
  };

  const pressed = (on: boolean) => ({ 'aria-pressed': on, 'data-active': on ? 'true' : 'false' });
  const keep = (event: React.MouseEvent) => event.preventDefault();

  return (
    <div className="toolbar" role="toolbar" aria-label="Formatting" data-testid="toolbar">
      <div className="toolbar-group">
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => editor.dispatchCommand(UNDO_COMMAND, undefined)}
          disabled={!canUndo}
          aria-label="Undo"
          title="Undo (Ctrl+Z)"
          data-testid="tb-undo"
        >
          ↶
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => editor.dispatchCommand(REDO_COMMAND, undefined)}
          disabled={!canRedo}
          aria-label="Redo"
          title="Redo (Ctrl+Shift+Z)"
          data-testid="tb-redo"
        >
          ↷
        </button>
      </div>
      <div className="toolbar-group">
        <label className="visually-hidden" htmlFor={`${linkInputId}-block`}>
          Block type
        </label>
        <select
          id={`${linkInputId}-block`}
          value={state.block}
          onChange={(e) => setBlock(e.target.value as BlockType)}
          data-testid="tb-block"
        >
          {BLOCKS.map((b) => (
            <option key={b.value} value={b.value}>
              {b.label}
            </option>
          ))}
        </select>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => setBlock('h1')}
          {...pressed(state.block === 'h1')}
          aria-label="Heading 1"
          data-testid="tb-h1"
        >
          H1
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => setBlock('h2')}
          {...pressed(state.block === 'h2')}
          aria-label="Heading 2"
          data-testid="tb-h2"
        >
          H2
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => setBlock('h3')}
          {...pressed(state.block === 'h3')}
          aria-label="Heading 3"
          data-testid="tb-h3"
        >
          H3
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => setBlock('paragraph')}
          {...pressed(state.block === 'paragraph')}
          aria-label="Paragraph"
          data-testid="tb-paragraph"
        >
          ¶
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => setBlock('bullet')}
          {...pressed(state.block === 'bullet')}
          aria-label="Bulleted list"
          data-testid="tb-bullet"
        >
          • List
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => setBlock('number')}
          {...pressed(state.block === 'number')}
          aria-label="Numbered list"
          data-testid="tb-number"
        >
          1. List
        </button>
      </div>
      <div className="toolbar-group">
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => format('bold')}
          {...pressed(state.bold)}
          aria-label="Bold"
          title="Bold (Ctrl+B)"
          data-testid="tb-bold"
        >
          <b>B</b>
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => format('italic')}
          {...pressed(state.italic)}
          aria-label="Italic"
          title="Italic (Ctrl+I)"
          data-testid="tb-italic"
        >
          <i>I</i>
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => format('underline')}
          {...pressed(state.underline)}
          aria-label="Underline"
          title="Underline (Ctrl+U)"
          data-testid="tb-underline"
        >
          <u>U</u>
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={() => format('code')}
          {...pressed(state.code)}
          aria-label="Inline code"
          data-testid="tb-code"
        >
          {'</>'}
        </button>
        <button
          type="button"
          onMouseDown={keep}
          onClick={toggleLink}
          {...pressed(state.link)}
          aria-label={state.link ? 'Remove link' : 'Link'}
          aria-expanded={linkOpen}
          data-testid="tb-link"
        >
          Link
        </button>
      </div>
      {linkOpen ? (
        <form className="link-form" onSubmit={applyLink} data-testid="link-form">
          <label htmlFor={linkInputId}>Link URL</label>
          <input
            id={linkInputId}
            type="url"
            value={linkUrl}
            onChange={(e) => setLinkUrl(e.target.value)}
            data-testid="link-url"
          />
          <button type="submit" data-testid="link-apply">
            Apply
          </button>
          <button type="button" onClick={() => setLinkOpen(false)}>
            Cancel
          </button>
        </form>
      ) : null}
    </div>
  );
}
