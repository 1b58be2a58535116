'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { saveAccess } from '../lib/collab/access.ts';
import { loadRecent, type RecentDoc } from '../lib/recent.ts';
import type { DocRecord } from '../lib/server/doc-record.ts';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; docs: DocRecord[] }
  | { state: 'error'; message: string };

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** One row of the list with an inline rename form. */
function DocRow({ doc, onRenamed }: { doc: DocRecord; onRenamed: (doc: DocRecord) => void }) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(doc.title);
  const [busy, setBusy] = useState(false);
  const inputId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const response = await fetch(`/api/docs/${doc.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title }),
    }).catch(() => null);
    setBusy(false);
    if (!response?.ok) return;
    const body = (await response.json()) as { doc: DocRecord };
    onRenamed(body.doc);
    setEditing(false);
  };

  return (
    <li className="doc-row" data-testid="doc-row" data-doc-id={doc.id}>
      {editing ? (
        <form className="rename-form" onSubmit={submit}>
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
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <Link className="doc-link" href={`/d/${doc.id}`} data-testid="doc-open">
            {doc.title}
          </Link>
          <span className="doc-date">Created {dateFormat.format(doc.created)}</span>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setTitle(doc.title);
              setEditing(true);
            }}
            aria-label={`Rename ${doc.title}`}
            data-testid="rename"
          >
            Rename
          </button>
        </>
      )}
    </li>
  );
}

/** The document list (DESIGN W3): create, rename, open; recently opened on this device. */
export function DocumentList() {
  const router = useRouter();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [recent, setRecent] = useState<RecentDoc[]>([]);
  const [newTitle, setNewTitle] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);
  const titleId = useId();

  const refresh = useCallback(async () => {
    try {
      const response = await fetch('/api/docs', { cache: 'no-store' });
      const body = (await response.json()) as { docs?: DocRecord[]; error?: string };
      if (!response.ok || !body.docs) throw new Error(body.error ?? `HTTP ${response.status}`);
      setLoad({ state: 'ready', docs: body.docs });
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
        {load.state === 'ready' && load.docs.length === 0 ? <p>No documents yet.</p> : null}
        {load.state === 'ready' && load.docs.length > 0 ? (
          <ul className="doc-list" data-testid="doc-list">
            {load.docs.map((doc) => (
              <DocRow key={doc.id} doc={doc} onRenamed={renamed} />
            ))}
          </ul>
        ) : null}
      </section>
    </main>
  );
}
