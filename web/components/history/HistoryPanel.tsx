'use client';

import { useEffect, useMemo, useState } from 'react';
import * as Y from 'yjs';
import {
  authorsBetween,
  type Block,
  type DiffBlock,
  diffBlocks,
  diffStats,
  type HistorySocket,
  readBlocks,
  replaceContent,
  toHtml,
  toMarkdown,
  type VersionRecord,
  versionDoc,
} from '../../../server/history/index.ts';
import styles from './history.module.css';
import { asOwnUndoStep } from './undo-boundary.ts';
import { useHistory } from './useHistory.ts';

export interface HistoryPanelProps {
  readonly docId: string;
  /** The live document (the editor's Y.Doc), `null` until the editor has one. */
  readonly doc: Y.Doc | null;
  /** This tab's share-link token (access control on), else `null`. */
  readonly accessToken: string | null;
  /** Edit links may name versions and restore; view links only browse. */
  readonly canEdit: boolean;
  /** This user's display name (named as the author of what they name or restore). */
  readonly userName: string;
  /** The Lexical editor: a restore becomes an undo step of its own in its UndoManager. */
  readonly editor?: object | null;
  /** Opens the history room's socket (the page's room multiplexer, C9); default: a WebSocket. */
  readonly createSocket?: (url: string) => HistorySocket;
  /** The client build the history room announces (C6), like the page's other rooms. */
  readonly build?: string | undefined;
  /** Protocol version it announces (absent: current; only the handshake fault sets it). */
  readonly protocolVersion?: number | undefined;
}

type Selection = { readonly id: string; readonly mode: 'preview' | 'diff' };

function base64(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function titleOf(record: VersionRecord, number: number): string {
  return record.name || `Version ${number}`;
}

function when(at: number): string {
  return new Date(at).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** Blocks of the live document, recomputed as it changes. */
function useLiveBlocks(doc: Y.Doc | null, enabled: boolean): readonly Block[] {
  const [blocks, setBlocks] = useState<readonly Block[]>([]);
  useEffect(() => {
    if (!doc || !enabled) return;
    let scheduled: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      scheduled = null;
      setBlocks(readBlocks(doc));
    };
    const onUpdate = () => {
      scheduled ??= setTimeout(refresh, 100);
    };
    refresh();
    doc.on('update', onUpdate);
    return () => {
      doc.off('update', onUpdate);
      if (scheduled) clearTimeout(scheduled);
    };
  }, [doc, enabled]);
  return blocks;
}

/** Items with positional keys (diff parts and blocks have no identity of their own). */
function keyed<T>(items: readonly T[]): Array<{ key: string; item: T }> {
  return items.map((item, at) => ({ key: String(at), item }));
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function BlockView({ block }: { block: Block }) {
  const text = block.runs.map((r) => r.text).join('');
  if (block.type === 'heading') return <p className={styles.heading}>{text}</p>;
  if (block.type === 'listitem') {
    return (
      <p className={styles.listItem} style={{ marginLeft: `${block.depth + 1}rem` }}>
        {block.listType === 'number' ? '1.' : '•'} {text}
      </p>
    );
  }
  if (block.type === 'quote') return <p className={styles.quote}>{text}</p>;
  return <p>{text || '\u00a0'}</p>;
}

function DiffView({ blocks }: { blocks: readonly DiffBlock[] }) {
  if (blocks.every((b) => b.kind === 'same')) {
    return <p className={styles.muted}>No differences.</p>;
  }
  return (
    <div data-testid="history-diff">
      {keyed(blocks).map(({ key: i, item: block }) => (
        <p
          key={i}
          className={`${styles.diffBlock} ${styles[block.kind] ?? ''}`}
          data-kind={block.kind}
        >
          {keyed(block.parts).map(({ key: j, item: part }) =>
            part.kind === 'insert' ? (
              <ins key={j} data-testid="diff-insert">
                {part.text}
              </ins>
            ) : part.kind === 'delete' ? (
              <del key={j} data-testid="diff-delete">
                {part.text}
              </del>
            ) : (
              <span key={j}>{part.text}</span>
            ),
          )}
        </p>
      ))}
    </div>
  );
}

/**
 * Version history (DESIGN W6): the list of versions (named and automatic, with time and
 * authors), a read-only preview of any version, its changes against now or against another
 * version, export as Markdown/HTML, and — for edit links — naming a version and restoring one.
 * A restore is applied to this tab's document as one new change, so collaborators see it live
 * and this user's undo (the editor's Yjs UndoManager) takes it back.
 */
export function HistoryPanel({
  docId,
  doc,
  accessToken,
  canEdit,
  userName,
  editor = null,
  createSocket,
  build,
  protocolVersion,
}: HistoryPanelProps) {
  const [open, setOpen] = useState(false);
  const history = useHistory(docId, accessToken, open, createSocket, {
    build,
    protocolVersion,
  });
  const [selection, setSelection] = useState<Selection | null>(null);
  const [against, setAgainst] = useState<string>('now');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const live = useLiveBlocks(doc, open);
  const versions = history.versions;

  const selectedIndex = selection ? versions.findIndex((v) => v.id === selection.id) : -1;
  const selected = selectedIndex >= 0 ? versions[selectedIndex] : undefined;

  const selectedBlocks = useMemo(() => {
    if (selectedIndex < 0) return null;
    const copy = versionDoc(versions, selectedIndex);
    const blocks = readBlocks(copy);
    copy.destroy();
    return blocks;
  }, [versions, selectedIndex]);

  const againstBlocks = useMemo(() => {
    if (against === 'now') return live;
    const index = versions.findIndex((v) => v.id === against);
    if (index < 0) return live;
    const copy = versionDoc(versions, index);
    const blocks = readBlocks(copy);
    copy.destroy();
    return blocks;
  }, [against, versions, live]);

  const diff = useMemo(
    () =>
      selectedBlocks && selection?.mode === 'diff'
        ? diffBlocks(selectedBlocks, againstBlocks)
        : null,
    [selectedBlocks, againstBlocks, selection?.mode],
  );

  const nameVersion = async () => {
    if (!history.client || !doc || name.trim() === '') return;
    setBusy(true);
    setMessage(null);
    try {
      const reply = await history.client.request('cut', {
        name: name.trim(),
        by: userName,
        stateVector: base64(Y.encodeStateVector(doc)),
      });
      if (!reply.ok) setMessage(reply.reason ?? 'Could not name the version.');
      else setName('');
    } catch (error) {
      setMessage((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const restore = async () => {
    if (!history.client || !doc || selectedIndex < 0 || !selected) return;
    setBusy(true);
    setMessage(null);
    try {
      const title = titleOf(selected, selectedIndex + 1);
      // The state being replaced stays a version (W6: nothing newer is lost).
      const reply = await history.client.request('cut', {
        label: `before restoring “${title}”`,
        by: userName,
        stateVector: base64(Y.encodeStateVector(doc)),
      });
      if (!reply.ok) {
        setMessage(reply.reason ?? 'Could not restore.');
        return;
      }
      const old = versionDoc(versions, selectedIndex);
      // Origin null: the editor's UndoManager tracks it, so Undo takes the restore back (as
      // one step of its own).
      asOwnUndoStep(editor, () => replaceContent(doc, old, null));
      old.destroy();
      setMessage(`Restored “${title}”. Undo (Ctrl+Z) takes it back.`);
      setSelection(null);
    } catch (error) {
      setMessage((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const stats = diff ? diffStats(diff) : null;
  const againstIndex =
    against === 'now' ? versions.length : versions.findIndex((v) => v.id === against);
  const changedBy =
    selectedIndex >= 0 && againstIndex >= 0
      ? authorsBetween(versions, selectedIndex, againstIndex)
      : [];
  const newestFirst = versions.map((v, i) => ({ v, number: i + 1 })).reverse();

  return (
    <>
      <button
        type="button"
        className={styles.toggle}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid="history-button"
      >
        History
      </button>
      {open ? (
        <aside
          className={styles.panel}
          aria-label="Version history"
          data-testid="history-panel"
          data-state={history.state}
        >
          <header className={styles.header}>
            <h2>Version history</h2>
            <button type="button" onClick={() => setOpen(false)} aria-label="Close history">
              ✕
            </button>
          </header>
          {history.error ? (
            <p className={styles.error} role="alert">
              {history.error}
            </p>
          ) : null}
          {canEdit ? (
            <form
              className={styles.nameForm}
              onSubmit={(e) => {
                e.preventDefault();
                void nameVersion();
              }}
            >
              <input
                value={name}
                maxLength={100}
                placeholder="Name this version, e.g. Before review"
                aria-label="Version name"
                onChange={(e) => setName(e.target.value)}
                data-testid="version-name"
              />
              <button
                type="submit"
                className="primary"
                disabled={busy || name.trim() === '' || history.state !== 'synced'}
                data-testid="save-version"
              >
                Save version
              </button>
            </form>
          ) : null}
          {message ? (
            <p className={styles.message} role="status" data-testid="history-message">
              {message}
            </p>
          ) : null}
          {history.state === 'synced' && versions.length === 0 ? (
            <p className={styles.muted}>No versions yet. They appear after a stretch of editing.</p>
          ) : null}
          <ol className={styles.list} data-testid="version-list">
            {newestFirst.map(({ v, number }) => (
              <li
                key={v.id}
                className={`${styles.item} ${v.id === selection?.id ? styles.selected : ''}`}
                data-testid="version"
                data-version-id={v.id}
                data-kind={v.kind}
              >
                <div className={styles.itemTitle}>
                  <span className={v.kind === 'named' ? styles.named : styles.auto}>
                    {titleOf(v, number)}
                  </span>
                  <time dateTime={new Date(v.at).toISOString()}>{when(v.at)}</time>
                </div>
                <div className={styles.itemMeta}>
                  {v.kind === 'auto' && v.label ? `${v.label} · ` : ''}
                  {v.authors.length > 0 ? v.authors.join(', ') : 'no edits recorded'}
                </div>
                <div className={styles.itemActions}>
                  <button
                    type="button"
                    onClick={() => setSelection({ id: v.id, mode: 'preview' })}
                    data-testid="preview-version"
                  >
                    Preview
                  </button>
                  <button
                    type="button"
                    onClick={() => setSelection({ id: v.id, mode: 'diff' })}
                    data-testid="diff-version"
                  >
                    Changes
                  </button>
                </div>
              </li>
            ))}
          </ol>
          {selected && selectedBlocks ? (
            <section
              className={styles.detail}
              data-testid="version-detail"
              data-mode={selection?.mode}
            >
              <div className={styles.detailHeader}>
                <strong>{titleOf(selected, selectedIndex + 1)}</strong>
                <div className={styles.tabs} role="tablist">
                  <button
                    type="button"
                    role="tab"
                    aria-selected={selection?.mode === 'preview'}
                    onClick={() => setSelection({ id: selected.id, mode: 'preview' })}
                  >
                    Preview
                  </button>
                  <button
                    type="button"
                    role="tab"
                    aria-selected={selection?.mode === 'diff'}
                    onClick={() => setSelection({ id: selected.id, mode: 'diff' })}
                  >
                    Changes
                  </button>
                </div>
              </div>
              {selection?.mode === 'diff' ? (
                <>
                  <label className={styles.against}>
                    Compared with{' '}
                    <select
                      value={against}
                      onChange={(e) => setAgainst(e.target.value)}
                      data-testid="diff-against"
                    >
                      <option value="now">the current document</option>
                      {versions.map((v, i) =>
                        v.id === selected.id ? null : (
                          <option key={v.id} value={v.id}>
                            {titleOf(v, i + 1)}
                          </option>
                        ),
                      )}
                    </select>
                  </label>
                  {stats ? (
                    <p className={styles.muted}>
                      <span className={styles.plus}>+{stats.inserted}</span>{' '}
                      <span className={styles.minus}>−{stats.deleted}</span> characters
                      {changedBy.length > 0 ? (
                        <span data-testid="diff-authors"> · changed by {changedBy.join(', ')}</span>
                      ) : null}
                    </p>
                  ) : null}
                  {diff ? <DiffView blocks={diff} /> : null}
                </>
              ) : (
                <div className={styles.preview} data-testid="version-preview">
                  {keyed(selectedBlocks).map(({ key: i, item: block }) => (
                    <BlockView key={i} block={block} />
                  ))}
                </div>
              )}
              <div className={styles.detailActions}>
                <button
                  type="button"
                  onClick={() =>
                    download(
                      `${docId}-v${selectedIndex + 1}.md`,
                      'text/markdown',
                      toMarkdown(selectedBlocks),
                    )
                  }
                >
                  Markdown
                </button>
                <button
                  type="button"
                  onClick={() =>
                    download(
                      `${docId}-v${selectedIndex + 1}.html`,
                      'text/html',
                      toHtml(selectedBlocks),
                    )
                  }
                >
                  HTML
                </button>
                {canEdit ? (
                  <button
                    type="button"
                    className="primary"
                    disabled={busy || !doc}
                    onClick={() => void restore()}
                    data-testid="restore-version"
                  >
                    Restore this version
                  </button>
                ) : null}
              </div>
            </section>
          ) : null}
        </aside>
      ) : null}
    </>
  );
}
