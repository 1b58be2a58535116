'use client';

import { $createLinkNode, $isLinkNode, type LinkNode, TOGGLE_LINK_COMMAND } from '@lexical/link';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { $findMatchingParent, mergeRegister } from '@lexical/utils';
import {
  $createTextNode,
  $getSelection,
  $insertNodes,
  $isRangeSelection,
  COMMAND_PRIORITY_LOW,
  SELECTION_CHANGE_COMMAND,
} from 'lexical';
import { type FormEvent, type RefObject, useCallback, useEffect, useId, useState } from 'react';
import { OPEN_LINK_EDITOR_COMMAND } from '../../../lib/editor/commands.ts';
import { normalizeUrl } from '../../../lib/editor/url.ts';

interface Place {
  readonly top: number;
  readonly left: number;
}

function $selectedLink(): LinkNode | null {
  const selection = $getSelection();
  if (!$isRangeSelection(selection)) return null;
  return $findMatchingParent(selection.focus.getNode(), $isLinkNode) as LinkNode | null;
}

/** Where the caret is, relative to `container` (the popover goes just below it). */
function caretPlace(container: HTMLElement | null): Place | null {
  const selection = window.getSelection();
  if (!container || !selection || selection.rangeCount === 0) return null;
  const range = selection.getRangeAt(0);
  let rect = range.getBoundingClientRect();
  if (rect.width === 0 && rect.height === 0) {
    const node = range.startContainer;
    const el = node instanceof Element ? node : node.parentElement;
    if (!el) return null;
    rect = el.getBoundingClientRect();
  }
  const box = container.getBoundingClientRect();
  const maxLeft = Math.max(0, box.width - 320);
  return {
    top: rect.bottom - box.top + 6,
    left: Math.min(Math.max(0, rect.left - box.left), maxLeft),
  };
}

/**
 * The link popover: with the caret in a link it shows the target with Open, Edit and
 * Remove; Ctrl+K or the toolbar's Link button opens the editor (bare `example.com` is
 * accepted and becomes https). Enter applies, Escape closes and returns to the text.
 */
export function LinkEditor({ containerRef }: { containerRef: RefObject<HTMLElement | null> }) {
  const [editor] = useLexicalComposerContext();
  const [link, setLink] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [place, setPlace] = useState<Place | null>(null);
  const inputId = useId();

  const refresh = useCallback(() => {
    const url = editor.getEditorState().read(() => $selectedLink()?.getURL() ?? null);
    setLink(url);
    if (url !== null) setPlace(caretPlace(containerRef.current));
  }, [editor, containerRef]);

  useEffect(
    () =>
      mergeRegister(
        editor.registerUpdateListener(() => refresh()),
        editor.registerCommand(
          SELECTION_CHANGE_COMMAND,
          () => {
            refresh();
            return false;
          },
          COMMAND_PRIORITY_LOW,
        ),
        editor.registerCommand(
          OPEN_LINK_EDITOR_COMMAND,
          () => {
            const url = editor.getEditorState().read(() => $selectedLink()?.getURL() ?? '');
            setDraft(url);
            setError(null);
            setPlace(caretPlace(containerRef.current));
            setEditing(true);
            return true;
          },
          COMMAND_PRIORITY_LOW,
        ),
      ),
    [editor, refresh, containerRef],
  );

  const close = () => {
    setEditing(false);
    setError(null);
    editor.focus();
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim() === '') {
      editor.dispatchCommand(TOGGLE_LINK_COMMAND, null);
      close();
      return;
    }
    const url = normalizeUrl(draft);
    if (!url) {
      setError('Not a web address, e.g. example.com or https://example.com/page');
      return;
    }
    editor.update(() => {
      const selection = $getSelection();
      if (!$isRangeSelection(selection)) return;
      const existing = $selectedLink();
      if (selection.isCollapsed() && !existing) {
        $insertNodes([$createLinkNode(url).append($createTextNode(draft.trim()))]);
        return;
      }
      if (selection.isCollapsed() && existing) {
        existing.setURL(url);
        return;
      }
      editor.dispatchCommand(TOGGLE_LINK_COMMAND, url);
    });
    close();
  };

  const remove = () => {
    editor.update(() => {
      const existing = $selectedLink();
      if (!existing) return;
      const selection = $getSelection();
      if ($isRangeSelection(selection) && selection.isCollapsed())
        existing.select(0, existing.getChildrenSize());
    });
    editor.dispatchCommand(TOGGLE_LINK_COMMAND, null);
    editor.focus();
  };

  if (!editing && link === null) return null;
  const style = place ? { top: place.top, left: place.left } : { top: 0, left: 0 };
  return (
    <div className="link-popover" style={style} data-testid="link-popover">
      {editing ? (
        <form className="link-form" onSubmit={apply} data-testid="link-form">
          <label htmlFor={inputId}>Link</label>
          <input
            id={inputId}
            type="text"
            inputMode="url"
            autoComplete="url"
            placeholder="example.com"
            // biome-ignore lint/a11y/noAutofocus: the popover opens for typing an address
            autoFocus
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                close();
              }
            }}
            aria-invalid={error ? 'true' : 'false'}
            data-testid="link-url"
          />
          <button type="submit" className="primary" data-testid="link-apply">
            Apply
          </button>
          <button type="button" onClick={close}>
            Cancel
          </button>
          {error ? (
            <p className="link-error" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      ) : (
        <>
          <a
            href={link ?? '#'}
            target="_blank"
            rel="noopener noreferrer"
            className="link-target"
            data-testid="link-open"
          >
            {link}
          </a>
          <button
            type="button"
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => editor.dispatchCommand(OPEN_LINK_EDITOR_COMMAND, undefined)}
            data-testid="link-edit"
          >
            Edit
          </button>
          <button
            type="button"
            onMouseDown={(e) => e.preventDefault()}
            onClick={remove}
            data-testid="link-remove"
          >
            Remove
          </button>
        </>
      )}
    </div>
  );
}
