'use client';

import { $isMarkNode, $unwrapMarkNode, $wrapSelectionInMarkNode, MarkNode } from '@lexical/mark';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import {
  $getNodeByKey,
  $getSelection,
  $isRangeSelection,
  type BaseSelection,
  type NodeKey,
} from 'lexical';
import { useEffect, useRef, useState } from 'react';
import type { SocketLike } from '../../lib/collab/provider.ts';
import {
  addThread,
  deleteThread,
  reply,
  setResolved,
  type Thread,
} from '../../lib/comments/threads.ts';
import { useCommentsRoom } from './useCommentsRoom.ts';

export interface CommentsPluginProps {
  readonly docId: string;
  readonly build: string;
  /** Protocol version the comments room announces (absent: current; the handshake fault sets it). */
  readonly protocolVersion?: number | undefined;
  readonly accessToken: string | null;
  /** The page's room multiplexer (C9): the comments room shares the tab's one socket. */
  readonly createSocket: (url: string) => SocketLike;
  /** Edit links comment; view links only read (the node refuses their writes anyway, P21). */
  readonly canComment: boolean;
  readonly userName: string;
}

interface Draft {
  readonly selection: BaseSelection;
  readonly quote: string;
}

const newId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/**
 * Comments (issue 15): select text, add a comment; threads with replies, resolve and delete,
 * kept in the document's `<docId>/comments` sub-room (`lib/comments/threads.ts`). A thread's
 * anchor is a Lexical mark node (`@lexical/mark`, as the Lexical playground's CommentPlugin)
 * around the commented text in the document itself, so it moves with the text and syncs with
 * it; the mark is highlighted while its thread is open and unhighlighted once resolved.
 */
export function CommentsPlugin({
  docId,
  build,
  protocolVersion,
  accessToken,
  createSocket,
  canComment,
  userName,
}: CommentsPluginProps) {
  const [editor] = useLexicalComposerContext();
  const room = useCommentsRoom({
    docId,
    build,
    protocolVersion,
    accessToken,
    createSocket,
  });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [replies, setReplies] = useState<Record<string, string>>({});
  /** Mark node key → thread ids, kept by a mutation listener. */
  const marks = useRef(new Map<NodeKey, readonly string[]>());
  const [marksVersion, setMarksVersion] = useState(0);
  const writable = canComment && room.snapshot.permission !== 'view';

  useEffect(
    () =>
      editor.registerMutationListener(MarkNode, (mutations) => {
        editor.getEditorState().read(() => {
          for (const [key, mutation] of mutations) {
            const node = $getNodeByKey(key);
            if (mutation === 'destroyed' || !$isMarkNode(node)) marks.current.delete(key);
            else marks.current.set(key, node.getIDs());
          }
        });
        setMarksVersion((v) => v + 1);
      }),
    [editor],
  );

  // Highlight the anchors of open threads; resolved, deleted or unknown ones are not.
  // biome-ignore lint/correctness/useExhaustiveDependencies: marksVersion says the marks changed
  useEffect(() => {
    const open = new Set(room.threads.filter((t) => !t.resolved).map((t) => t.id));
    for (const [key, ids] of marks.current) {
      const element = editor.getElementByKey(key);
      if (!element) continue;
      const active = ids.some((id) => open.has(id));
      element.classList.toggle('comment-mark-active', active);
      element.dataset.threads = ids.join(' ');
    }
  }, [editor, room.threads, marksVersion]);

  const startDraft = () => {
    setError(null);
    const found = editor.getEditorState().read(() => {
      const selection = $getSelection();
      if (!$isRangeSelection(selection) || selection.isCollapsed()) return null;
      return { selection: selection.clone(), quote: selection.getTextContent() };
    });
    if (!found) {
      setError('Select some text to comment on.');
      return;
    }
    setDraft(found);
    setText('');
  };

  const submitDraft = () => {
    const doc = room.doc;
    if (!draft || !doc) return;
    const id = newId();
    try {
      addThread(doc, id, draft.quote, {
        id: newId(),
        author: userName,
        text,
        createdAt: Date.now(),
      });
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    editor.update(() => {
      const selection = draft.selection;
      if ($isRangeSelection(selection)) {
        $wrapSelectionInMarkNode(selection, selection.isBackward(), id);
      }
    });
    setDraft(null);
    setText('');
  };

  const removeThread = (thread: Thread) => {
    if (!room.doc) return;
    deleteThread(room.doc, thread.id);
    editor.update(() => {
      for (const [key, ids] of marks.current) {
        if (!ids.includes(thread.id)) continue;
        const node = $getNodeByKey(key);
        if (!$isMarkNode(node)) continue;
        node.deleteID(thread.id);
        if (node.getIDs().length === 0) $unwrapMarkNode(node);
      }
    });
  };

  const sendReply = (thread: Thread) => {
    const value = replies[thread.id] ?? '';
    if (!room.doc) return;
    try {
      reply(room.doc, thread.id, {
        id: newId(),
        author: userName,
        text: value,
        createdAt: Date.now(),
      });
      setReplies((r) => ({ ...r, [thread.id]: '' }));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const open = room.threads.filter((t) => !t.resolved);
  return (
    <aside
      className="comments-panel"
      data-testid="comments-panel"
      data-state={room.snapshot.phase}
      data-unsynced={String(room.snapshot.unsynced)}
      aria-label="Comments"
    >
      <div className="comments-header">
        <h2>Comments{open.length > 0 ? ` (${open.length})` : ''}</h2>
        {writable ? (
          <button
            type="button"
            data-testid="add-comment"
            // Keep the editor's selection: the button must not take focus on press.
            onMouseDown={(e) => e.preventDefault()}
            onClick={startDraft}
          >
            Comment
          </button>
        ) : null}
      </div>
      {room.snapshot.unsynced ? (
        <p className="comments-unsynced" data-testid="comments-unsynced">
          Kept on this device until a server is reachable.
        </p>
      ) : null}
      {error ? (
        <p className="comments-error" role="alert" data-testid="comment-error">
          {error}
        </p>
      ) : null}
      {draft ? (
        <form
          className="comment-composer"
          onSubmit={(e) => {
            e.preventDefault();
            submitDraft();
          }}
        >
          <blockquote>{draft.quote}</blockquote>
          <textarea
            aria-label="Comment"
            data-testid="comment-input"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <div className="comment-actions">
            <button type="submit" data-testid="comment-submit" disabled={text.trim() === ''}>
              Add comment
            </button>
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {open.length === 0 && !draft ? <p className="comments-empty">No open comments.</p> : null}
      <ul className="comment-threads">
        {open.map((thread) => (
          <li key={thread.id} data-testid="comment-thread" data-thread-id={thread.id}>
            <blockquote>{thread.quote}</blockquote>
            <ul>
              {thread.comments.map((c) => (
                <li key={c.id} data-testid="comment">
                  <strong>{c.author}</strong> {c.text}
                </li>
              ))}
            </ul>
            {writable ? (
              <div className="comment-actions">
                <input
                  aria-label="Reply"
                  data-testid="reply-input"
                  value={replies[thread.id] ?? ''}
                  onChange={(e) => setReplies((r) => ({ ...r, [thread.id]: e.target.value }))}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') sendReply(thread);
                  }}
                />
                <button type="button" data-testid="reply-submit" onClick={() => sendReply(thread)}>
                  Reply
                </button>
                <button
                  type="button"
                  data-testid="resolve-thread"
                  onClick={() => room.doc && setResolved(room.doc, thread.id, true)}
                >
                  Resolve
                </button>
                <button
                  type="button"
                  data-testid="delete-thread"
                  onClick={() => removeThread(thread)}
                >
                  Delete
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </aside>
  );
}
