'use client';

import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { mergeRegister } from '@lexical/utils';
import {
  CAN_REDO_COMMAND,
  CAN_UNDO_COMMAND,
  COMMAND_PRIORITY_LOW,
  FORMAT_TEXT_COMMAND,
  REDO_COMMAND,
  type TextFormatType,
  UNDO_COMMAND,
} from 'lexical';
import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import {
  $readSelectionFormat,
  BLOCKS,
  type BlockType,
  NO_FORMAT,
  type SelectionFormat,
  setBlockType,
} from '../../lib/editor/blocks.ts';
import { OPEN_LINK_EDITOR_COMMAND } from '../../lib/editor/commands.ts';

const ITEMS = 'button:not(:disabled), select';

/**
 * Roving tabindex (WAI-ARIA toolbar pattern): the toolbar is one Tab stop; arrow keys,
 * Home and End move between its controls. Returns the ref to put on the toolbar element.
 */
function useRovingFocus() {
  const ref = useRef<HTMLDivElement | null>(null);
  const active = useRef(0);
  const sync = useCallback(() => {
    const root = ref.current;
    if (!root) return;
    const items = [...root.querySelectorAll<HTMLElement>(ITEMS)].filter(
      (el) => el.offsetParent !== null || el === document.activeElement,
    );
    if (active.current >= items.length) active.current = 0;
    items.forEach((el, i) => {
      el.tabIndex = i === active.current ? 0 : -1;
    });
    return items;
  }, []);
  useEffect(() => {
    sync();
  });
  const onKeyDown = (event: React.KeyboardEvent) => {
    const items = sync();
    if (!items || items.length === 0) return;
    const index = items.indexOf(event.target as HTMLElement);
    if (index < 0) return;
    let next = index;
    if (event.key === 'ArrowRight') next = (index + 1) % items.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + items.length) % items.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = items.length - 1;
    else return;
    event.preventDefault();
    active.current = next;
    sync();
    items[next]?.focus();
  };
  const onFocus = (event: React.FocusEvent) => {
    const items = sync();
    const index = items?.indexOf(event.target as HTMLElement) ?? -1;
    if (index >= 0 && index !== active.current) {
      active.current = index;
      sync();
    }
  };
  return { ref, onKeyDown, onFocus };
}

interface ButtonProps {
  readonly id: string;
  readonly label: string;
  readonly shortcut?: string;
  readonly pressed?: boolean;
  readonly disabled?: boolean;
  readonly className?: string;
  readonly onPress: () => void;
  readonly children: ReactNode;
}

/** A toolbar button that keeps the editor's selection (no focus steal on mouse down). */
function ToolButton({
  id,
  label,
  shortcut,
  pressed,
  disabled,
  className,
  onPress,
  children,
}: ButtonProps) {
  return (
    <button
      type="button"
      className={className}
      onMouseDown={(e) => e.preventDefault()}
      onClick={onPress}
      disabled={disabled}
      aria-label={label}
      title={shortcut ? `${label} (${shortcut})` : label}
      {...(pressed === undefined
        ? {}
        : { 'aria-pressed': pressed, 'data-active': pressed ? 'true' : 'false' })}
      data-testid={id}
    >
      {children}
    </button>
  );
}

export interface ToolbarProps {
  /** Extra controls at the end (insert table, image…), rendered inside the toolbar. */
  readonly children?: ReactNode;
}

/**
 * Formatting toolbar (DESIGN W1): undo/redo of this user's own edits (Yjs UndoManager),
 * block type (normal text, headings, lists, checklist, quote, code block), bold, italic,
 * underline, strikethrough, inline code and links. One Tab stop with arrow keys inside; on a
 * phone it is a single row that scrolls sideways.
 */
export function Toolbar({ children }: ToolbarProps) {
  const [editor] = useLexicalComposerContext();
  const [state, setState] = useState<SelectionFormat>(NO_FORMAT);
  const [canUndo, setCanUndo] = useState(false);
  const [canRedo, setCanRedo] = useState(false);
  const selectId = useId();
  const roving = useRovingFocus();

  useEffect(
    () =>
      mergeRegister(
        editor.registerUpdateListener(({ editorState }) => {
          const next = editorState.read($readSelectionFormat);
          setState((prev) =>
            Object.keys(next).every(
              (k) => prev[k as keyof SelectionFormat] === next[k as keyof SelectionFormat],
            )
              ? prev
              : next,
          );
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

  const block = (next: BlockType) => {
    setBlockType(editor, state.block, next);
    editor.focus();
  };
  const format = (kind: TextFormatType) => {
    editor.dispatchCommand(FORMAT_TEXT_COMMAND, kind);
    editor.focus();
  };

  return (
    <div
      className="toolbar"
      role="toolbar"
      aria-label="Formatting"
      data-testid="toolbar"
      ref={roving.ref}
      onKeyDown={roving.onKeyDown}
      onFocus={roving.onFocus}
    >
      <div className="toolbar-group">
        <ToolButton
          id="tb-undo"
          label="Undo"
          shortcut="Ctrl+Z"
          disabled={!canUndo}
          onPress={() => editor.dispatchCommand(UNDO_COMMAND, undefined)}
        >
          ↶
        </ToolButton>
        <ToolButton
          id="tb-redo"
          label="Redo"
          shortcut="Ctrl+Shift+Z"
          disabled={!canRedo}
          onPress={() => editor.dispatchCommand(REDO_COMMAND, undefined)}
        >
          ↷
        </ToolButton>
      </div>
      <div className="toolbar-group">
        <label className="visually-hidden" htmlFor={selectId}>
          Block type
        </label>
        <select
          id={selectId}
          value={state.block}
          onChange={(e) => block(e.target.value as BlockType)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') e.preventDefault();
          }}
          data-testid="tb-block"
        >
          {BLOCKS.map((b) => (
            <option key={b.value} value={b.value}>
              {b.label}
            </option>
          ))}
        </select>
        <ToolButton
          id="tb-h1"
          className="wide-only"
          label="H1: Heading 1"
          shortcut="Ctrl+Alt+1"
          pressed={state.block === 'h1'}
          onPress={() => block('h1')}
        >
          H1
        </ToolButton>
        <ToolButton
          id="tb-h2"
          className="wide-only"
          label="H2: Heading 2"
          shortcut="Ctrl+Alt+2"
          pressed={state.block === 'h2'}
          onPress={() => block('h2')}
        >
          H2
        </ToolButton>
        <ToolButton
          id="tb-h3"
          className="wide-only"
          label="H3: Heading 3"
          shortcut="Ctrl+Alt+3"
          pressed={state.block === 'h3'}
          onPress={() => block('h3')}
        >
          H3
        </ToolButton>
        <ToolButton
          id="tb-paragraph"
          className="wide-only"
          label="Normal text"
          shortcut="Ctrl+Alt+0"
          pressed={state.block === 'paragraph'}
          onPress={() => block('paragraph')}
        >
          ¶
        </ToolButton>
      </div>
      <div className="toolbar-group">
        <ToolButton
          id="tb-bold"
          label="Bold"
          shortcut="Ctrl+B"
          pressed={state.bold}
          onPress={() => format('bold')}
        >
          <b>B</b>
        </ToolButton>
        <ToolButton
          id="tb-italic"
          label="Italic"
          shortcut="Ctrl+I"
          pressed={state.italic}
          onPress={() => format('italic')}
        >
          <i>I</i>
        </ToolButton>
        <ToolButton
          id="tb-underline"
          label="Underline"
          shortcut="Ctrl+U"
          pressed={state.underline}
          onPress={() => format('underline')}
        >
          <u>U</u>
        </ToolButton>
        <ToolButton
          id="tb-strike"
          label="Strikethrough"
          shortcut="Ctrl+Shift+X"
          pressed={state.strikethrough}
          onPress={() => format('strikethrough')}
        >
          <s>S</s>
        </ToolButton>
        <ToolButton
          id="tb-code"
          label="Inline code"
          shortcut="Ctrl+E"
          pressed={state.code}
          onPress={() => format('code')}
        >
          {'</>'}
        </ToolButton>
        <ToolButton
          id="tb-link"
          label="Link"
          shortcut="Ctrl+K"
          pressed={state.link}
          onPress={() => editor.dispatchCommand(OPEN_LINK_EDITOR_COMMAND, undefined)}
        >
          Link
        </ToolButton>
      </div>
      <div className="toolbar-group">
        <ToolButton
          id="tb-bullet"
          label="Bulleted list"
          shortcut="Ctrl+Shift+8"
          pressed={state.block === 'bullet'}
          onPress={() => block('bullet')}
        >
          • List
        </ToolButton>
        <ToolButton
          id="tb-number"
          label="1. List (numbered)"
          shortcut="Ctrl+Shift+7"
          pressed={state.block === 'number'}
          onPress={() => block('number')}
        >
          1. List
        </ToolButton>
        <ToolButton
          id="tb-check"
          label="Checklist"
          shortcut="Ctrl+Shift+9"
          pressed={state.block === 'check'}
          onPress={() => block('check')}
        >
          ☑
        </ToolButton>
        <ToolButton
          id="tb-quote"
          label="Quote"
          shortcut="Ctrl+Alt+Q"
          pressed={state.block === 'quote'}
          onPress={() => block('quote')}
        >
          ❝
        </ToolButton>
        <ToolButton
          id="tb-code-block"
          label="Code block"
          shortcut="Ctrl+Alt+C"
          pressed={state.block === 'code-block'}
          onPress={() => block('code-block')}
        >
          {'{ }'}
        </ToolButton>
      </div>
      {children ? <div className="toolbar-group">{children}</div> : null}
    </div>
  );
}

export { ToolButton };
