'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { accessKey, loadAccess, saveAccess } from '../lib/collab/access.ts';
import { type DocSort, relativeTime, viewDocs } from '../lib/doc-list-view.ts';
import { loadRecent, type RecentDoc } from '../lib/recent.ts';
import type { DocRecord } from '../lib/server/doc-record.ts';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; docs: DocRecord[] }
  | { state: 'error'; message: string };

/** The Authorization header for `docId` when this browser holds a link to it. */
function authFor(docId: string): Record<string, string> {
  const token = loadAccess(window.localStorage, docId);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** One row of the list with inline rename and delete (each confirmed in place). */
function DocRow({
  doc,
  now,
  onRenamed,
  onDeleted,
}: {
  doc: DocRecord;
  now: number;
  onRenamed: (doc: DocRecord) => void;
  onDeleted: (id: string) => void;
}) {
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [title, setTitle] = useState(doc.title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const response = await fetch(`/api/docs/${doc.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...authFor(doc.id) },
      body: JSON.stringify({ title }),
    }).catch(() => null);
    setBusy(false);
    if (!response?.ok) return;
    const body = (await response.json()) as { doc: DocRecord };
    onRenamed(body.doc);
    setMode('view');
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    const response = await fetch(`/api/docs/${doc.id}`, {
      method: 'DELETE',
      headers: authFor(doc.id),
    }).catch(() => null);
    setBusy(false);
    if (!response?.ok) {
      setError('Could not delete it.');
      return;
    }
    onDeleted(doc.id);
  };

  return (
    <li className="doc-row" data-testid="doc-row" data-doc-id={doc.id}>
      {mode === 'rename' ? (
        <form
          className="rename-form"
          onSubmit={submit}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              setTitle(doc.title);
              setMode('view');
            }
          }}
        >
          <label className="visually-hidden" htmlFor={inputId}>
            New title for {doc.title}
          </label>
          <input
            id={inputId}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            data-testid="rename-input"
            // biome-ignore lint/a11y/noAutofocus: the user just asked to rename this row
            autoFocus
          />
          <button type="submit" disabled={busy} data-testid="rename-save">
            Save
          </button>
          <button type="button" onClick={() => setMode('view')} data-testid="rename-cancel">
            Cancel
          </button>
        </form>
      ) : mode === 'delete' ? (
        <fieldset className="delete-confirm" aria-label={`Delete ${doc.title}?`}>
          <span>
            Delete <strong>{doc.title}</strong>? It disappears for everyone.
          </span>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void remove()}
            data-testid="delete-confirm"
          >
            Delete
          </button>
          <button type="button" onClick={() => setMode('view')} data-testid="delete-cancel">
            Cancel
          </button>
          {error ? (
            <span className="form-error" role="alert">
              {error}
            </span>
          ) : null}
        </fieldset>
      ) : (
        <>
          <Link className="doc-link" href={`/d/${doc.id}`} data-testid="doc-open">
            {doc.title}
          </Link>
          <span className="doc-date" data-testid="doc-edited">
            Edited {relativeTime(doc.edited, now)}
          </span>
          <span className="doc-actions">
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setTitle(doc.title);
                setMode('rename');
              }}
              aria-label={`Rename ${doc.title}`}
              data-testid="rename"
            >
              Rename
            </button>
            <button
              type="button"
              className="link-button danger-text"
              onClick={() => setMode('delete')}
              aria-label={`Delete ${doc.title}`}
              data-testid="delete"
            >
              Delete
            </button>
          </span>
        </>
      )}
    </li>
  );
}

/**
 * With access control on the server lists nothing (titles are private): the documents this
 * browser holds a link to are read one by one with that link.
 */
async function loadLinkedDocs(storage: Storage): Promise<DocRecord[]> {
  const prefix = accessKey('');
  const ids: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(prefix)) ids.push(key.slice(prefix.length));
  }
  const docs = await Promise.all(
    ids.map(async (id) => {
      const response = await fetch(`/api/docs/${id}`, { headers: authFor(id) }).catch(() => null);
      if (!response?.ok) return null;
      return ((await response.json()) as { doc: DocRecord }).doc;
    }),
  );
  return docs.filter((d): d is DocRecord => d !== null);
}

/**
 * The document list (DESIGN W3): create, open, rename, delete; search by title and sort by
 * last edit, creation or title; recently opened on this device.
 */
export function DocumentList() {
  const router = useRouter();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [recent, setRecent] = useState<RecentDoc[]>([]);
  const [newTitle, setNewTitle] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<DocSort>('edited');
  const [now, setNow] = useState(() => Date.now());
  const titleId = useId();
  const searchId = useId();
  const sortId = useId();

  const refresh = useCallback(async () => {
    try {
      const response = await fetch('/api/docs', { cache: 'no-store' });
      const body = (await response.json()) as {
        docs?: DocRecord[];
        restricted?: boolean;
        error?: string;
      };
      if (!response.ok || !body.docs) throw new Error(body.error ?? `HTTP ${response.status}`);
      const docs = body.restricted ? await loadLinkedDocs(window.localStorage) : body.docs;
      setNow(Date.now());
      setLoad({ state: 'ready', docs });
    } catch (error) {
      setLoad({ state: 'error', message: (error as Error).message });
    }
  }, []);

  useEffect(() => {
    void refresh();
    setRecent(loadRecent(window.localStorage));
  }, [refresh]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreating(true);
    setCreateError(null);
    try {
      const response = await fetch('/api/docs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: newTitle }),
      });
      const body = (await response.json()) as {
        doc?: DocRecord;
        error?: string;
        access?: { token?: string };
      };
      if (!response.ok || !body.doc) throw new Error(body.error ?? `HTTP ${response.status}`);
      // Access control on: the creator's owner link (SECURITY.md), shown only this once.
      if (body.access?.token) saveAccess(window.localStorage, body.doc.id, body.access.token);
      // The editor puts the caret in the body of a document created here.
      try {
        sessionStorage.setItem(`ringdoc:focus:${body.doc.id}`, '1');
      } catch {
        /* no caret placement then */
      }
      router.push(`/d/${body.doc.id}`);
    } catch (error) {
      setCreateError((error as Error).message);
      setCreating(false);
    }
  };

  const renamed = (doc: DocRecord) =>
    setLoad((l) =>
      l.state === 'ready' ? { ...l, docs: l.docs.map((d) => (d.id === doc.id ? doc : d)) } : l,
    );
  const deleted = (id: string) => {
    setLoad((l) => (l.state === 'ready' ? { ...l, docs: l.docs.filter((d) => d.id !== id) } : l));
    setRecent((r) => r.filter((d) => d.id !== id));
  };
  const shown = load.state === 'ready' ? viewDocs(load.docs, query, sort) : [];

  return (
    <main className="page page-list">
      <h1>Documents</h1>
      <form className="create-form" onSubmit={create} aria-label="New document">
        <label htmlFor={titleId}>New document</label>
        <input
          id={titleId}
          value={newTitle}
          placeholder="Untitled document"
          onChange={(e) => setNewTitle(e.target.value)}
          data-testid="new-title"
        />
        <button type="submit" className="primary" disabled={creating} data-testid="create">
          {creating ? 'Creating…' : 'Create'}
        </button>
        {createError ? (
          <p className="form-error" role="alert">
            Could not create the document: {createError}
          </p>
        ) : null}
      </form>

      {recent.length > 0 ? (
        <section aria-labelledby="recent-heading" className="recent">
          <h2 id="recent-heading">Recently opened</h2>
          <ul data-testid="recent">
            {recent.map((d) => (
              <li key={d.id}>
                <Link href={`/d/${d.id}`}>{d.title}</Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="all-heading">
        <h2 id="all-heading">All documents</h2>
        {load.state === 'loading' ? <p className="loading">Loading…</p> : null}
        {load.state === 'error' ? (
          <p className="form-error" role="alert">
            Could not load the documents: {load.message}{' '}
            <button type="button" onClick={() => void refresh()}>
              Retry
            </button>
          </p>
        ) : null}
        {load.state === 'ready' && load.docs.length > 0 ? (
          <div className="list-tools">
            <label className="visually-hidden" htmlFor={searchId}>
              Search documents
            </label>
            <input
              id={searchId}
              type="search"
              placeholder="Search by title"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              data-testid="doc-search"
            />
            <label className="sort-label" htmlFor={sortId}>
              Sort
            </label>
            <select
              id={sortId}
              value={sort}
              onChange={(e) => setSort(e.target.value as DocSort)}
              data-testid="doc-sort"
            >
              <option value="edited">Last edited</option>
              <option value="created">Newest</option>
              <option value="title">Title</option>
            </select>
          </div>
        ) : null}
        {load.state === 'ready' && load.docs.length === 0 ? <p>No documents yet.</p> : null}
        {load.state === 'ready' && load.docs.length > 0 && shown.length === 0 ? (
          <p data-testid="no-match">No document title matches “{query}”.</p>
        ) : null}
        {shown.length > 0 ? (
          <ul className="doc-list" data-testid="doc-list">
            {shown.map((doc) => (
              <DocRow key={doc.id} doc={doc} now={now} onRenamed={renamed} onDeleted={deleted} />
            ))}
          </ul>
        ) : null}
      </section>
    </main>
  );
}
