'use client';

import Link from 'next/link';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { loadAccess, saveAccess, tokenFromHash } from '../../lib/collab/access.ts';
import { cleanName, type Identity, loadIdentity, saveName } from '../../lib/identity.ts';
import { rememberRecent } from '../../lib/recent.ts';
import { type Access, CollabEditor } from './CollabEditor.tsx';

export interface DocumentPageProps {
  readonly docId: string;
  readonly build: string;
  /** The web build that served this page (`build` unless `?build=` overrides it). */
  readonly pageBuild?: string | undefined;
  /** Protocol version the editor announces (absent: current; the handshake fault sets it). */
  readonly protocolVersion?: number | undefined;
  readonly preferNode?: string | undefined;
}

type Prep =
  | { state: 'ensuring' }
  | { state: 'missing'; creating: boolean; deleted: boolean }
  | { state: 'denied'; message: string }
  | {
      state: 'ready';
      title: string | null;
      updated: number;
      warning: string | null;
      access: Access | null;
    };

/**
 * This tab's link token for `docId`: a share URL's `#access=` fragment (remembered, then removed
 * from the address bar so it is not re-shared by accident), else the one remembered earlier.
 */
function takeAccessToken(docId: string): string | null {
  const fromHash = tokenFromHash(window.location.hash);
  if (fromHash) {
    saveAccess(window.localStorage, docId, fromHash);
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromHash;
  }
  return loadAccess(window.localStorage, docId);
}

/** Fewest milliseconds between two "edited" reports of one tab to the index. */
const EDITED_PING_MS = 60_000;

/** Longest wait for the server-side seed before the editor opens anyway (offline, outage). */
const ENSURE_TIMEOUT_MS = 20_000;

/**
 * The editor page of one document: makes sure the document exists and is seeded exactly once
 * (server side, W4) before the editor connects, then shows title, name field, presence,
 * toolbar, editor and status bar. Offline, the editor opens with what IndexedDB holds.
 */
export function DocumentPage({
  docId,
  build,
  pageBuild,
  protocolVersion,
  preferNode,
}: DocumentPageProps) {
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [prep, setPrep] = useState<Prep>({ state: 'ensuring' });
  const [title, setTitle] = useState('');
  // Opening an address never creates a document; the "Create it" button sets this.
  const [create, setCreate] = useState(false);
  const nameId = useId();

  useEffect(() => setIdentity(loadIdentity(window.localStorage)), []);

  useEffect(() => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), ENSURE_TIMEOUT_MS);
    (async () => {
      const token = takeAccessToken(docId);
      try {
        const response = await fetch(`/api/docs/${docId}/ensure`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ create, ...(token ? { access: token } : {}) }),
          signal: abort.signal,
        });
        if (response.status === 404 || response.status === 410) {
          setPrep({ state: 'missing', creating: false, deleted: response.status === 410 });
          return;
        }
        const body = (await response.json()) as {
          doc?: { title: string; updated: number };
          error?: string;
          access?: { enabled: boolean; perm?: Access['perm']; token?: string };
        };
        // 409: content nobody created through this app (issue 18): not claimable here.
        if (response.status === 403 || response.status === 409) {
          setPrep({ state: 'denied', message: body.error ?? 'You do not have access.' });
          return;
        }
        if (!response.ok || !body.doc) throw new Error(body.error ?? `HTTP ${response.status}`);
        if (body.access?.token) saveAccess(window.localStorage, docId, body.access.token);
        const linkToken = body.access?.token ?? token;
        const access: Access | null =
          body.access?.enabled && body.access.perm && linkToken
            ? { token: linkToken, perm: body.access.perm }
            : null;
        setPrep({
          state: 'ready',
          title: body.doc.title,
          updated: body.doc.updated,
          warning: null,
          access,
        });
        setTitle(body.doc.title);
        rememberRecent(window.localStorage, {
          id: docId,
          title: body.doc.title,
          openedAt: Date.now(),
        });
      } catch (error) {
        const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
        const remembered = loadAccess(window.localStorage, docId);
        setPrep({
          state: 'ready',
          title: null,
          updated: 0,
          // Offline with a remembered link: the provider asks for tickets once back online.
          access: remembered ? { token: remembered, perm: 'edit' } : null,
          warning: offline
            ? 'You are offline: showing the copy kept on this device.'
            : `Could not reach the document service (${(error as Error).message}); retrying in the background.`,
        });
      } finally {
        clearTimeout(timer);
      }
    })();
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [docId, create]);

  useEffect(() => {
    document.title = title ? `${title} · ringdoc` : 'ringdoc';
  }, [title]);

  const access = prep.state === 'ready' ? prep.access : null;
  const rename = useCallback(
    async (next: string): Promise<string | null> => {
      const response = await fetch(`/api/docs/${docId}`, {
        method: 'PATCH',
        headers: {
          'content-type': 'application/json',
          ...(access ? { authorization: `Bearer ${access.token}` } : {}),
        },
        body: JSON.stringify({ title: next }),
      }).catch(() => null);
      if (!response?.ok) return null;
      const body = (await response.json()) as { doc: { title: string } };
      return body.doc.title;
    },
    [docId, access],
  );

  // "Last edited" in the list: one small index write per minute of editing at most.
  const lastPing = useRef(0);
  const edited = useCallback(() => {
    const now = Date.now();
    if (now - lastPing.current < EDITED_PING_MS) return;
    lastPing.current = now;
    void fetch(`/api/docs/${docId}`, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/json',
        ...(access ? { authorization: `Bearer ${access.token}` } : {}),
      },
      body: JSON.stringify({ edited: true }),
    }).catch(() => {});
  }, [docId, access]);

  const showTitle = useCallback(
    (next: string) => {
      setTitle(next);
      rememberRecent(window.localStorage, { id: docId, title: next, openedAt: Date.now() });
    },
    [docId],
  );

  const changeName = (value: string) => {
    if (!identity) return;
    const clean = cleanName(value);
    setIdentity({ ...identity, name: value });
    if (clean) saveName(window.localStorage, clean);
  };

  const header = identity ? (
    <div className="name-field">
      <label htmlFor={nameId}>You</label>
      <input
        id={nameId}
        className="name-input"
        value={identity.name}
        maxLength={40}
        onChange={(e) => changeName(e.target.value)}
        data-testid="display-name"
      />
    </div>
  ) : null;

  return (
    <main className="page page-editor">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Documents</Link> <span aria-hidden="true">/</span>{' '}
        <span>{title || docId}</span>
      </nav>
      {prep.state === 'ready' && prep.warning ? (
        <div className="banner banner-info" role="status" data-testid="prep-warning">
          {prep.warning}
        </div>
      ) : null}
      {prep.state === 'missing' ? (
        <section
          className="missing"
          data-testid="doc-missing"
          aria-labelledby={`${nameId}-missing`}
        >
          <h1 id={`${nameId}-missing`}>
            {prep.deleted ? 'This document was deleted' : 'No document here'}
          </h1>
          {prep.deleted ? (
            <p>Someone deleted the document at this address. It is no longer available.</p>
          ) : (
            <p>
              There is no document at <code>/d/{docId}</code>. Check the link you followed, or
              create a new, empty document with this address.
            </p>
          )}
          <div className="missing-actions">
            {prep.deleted ? null : (
              <button
                type="button"
                className="primary"
                disabled={prep.creating}
                onClick={() => {
                  setPrep({ state: 'missing', creating: true, deleted: false });
                  setCreate(true);
                }}
                data-testid="create-document"
              >
                Create document
              </button>
            )}
            <Link href="/">Back to documents</Link>
          </div>
        </section>
      ) : prep.state === 'denied' ? (
        <div className="banner banner-error" role="alert" data-testid="access-denied">
          <strong>No access.</strong> {prep.message}. Ask the document's owner for a link.
        </div>
      ) : identity && prep.state === 'ready' ? (
        <CollabEditor
          docId={docId}
          build={build}
          pageBuild={pageBuild ?? build}
          protocolVersion={protocolVersion}
          identity={{ name: cleanName(identity.name) ?? identity.name, color: identity.color }}
          preferNode={preferNode}
          header={header}
          title={{
            indexTitle: prep.title,
            indexUpdated: prep.updated,
            onRename: rename,
            onTitle: showTitle,
          }}
          access={prep.access}
          onLocalEdit={edited}
        />
      ) : (
        <p className="loading" data-testid="preparing">
          Preparing document…
        </p>
      )}
    </main>
  );
}
