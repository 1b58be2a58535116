'use client';

import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { shareUrl } from '../../lib/collab/access.ts';

interface PublicLink {
  readonly id: string;
  readonly perm: 'owner' | 'edit' | 'view';
  readonly created: number;
  readonly revoked: boolean;
}

export interface ShareDialogProps {
  readonly docId: string;
  /** The owner's link token (sent as `Authorization: Bearer`). */
  readonly ownerToken: string;
  readonly onClose: () => void;
}

const LABEL: Record<PublicLink['perm'], string> = {
  owner: 'Owner (you)',
  edit: 'Can edit',
  view: 'Can view',
};

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * Sharing a document by link (SECURITY.md): create a link that can edit or only view, copy
 * its URL (shown once: only its hash is stored), and revoke links — every tab opened through
 * a revoked link is disconnected at once. Only the document's owner sees this dialog.
 */
export function ShareDialog({ docId, ownerToken, onClose }: ShareDialogProps) {
  const [links, setLinks] = useState<PublicLink[] | null>(null);
  const [perm, setPerm] = useState<'edit' | 'view'>('edit');
  const [created, setCreated] = useState<{ url: string; perm: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const permId = useId();
  const urlId = useId();
  const headers = { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' };

  const refresh = useCallback(async () => {
    const response = await fetch(`/api/docs/${docId}/links`, {
      cache: 'no-store',
      headers: { authorization: `Bearer ${ownerToken}` },
    }).catch(() => null);
    const body = (await response?.json().catch(() => null)) as {
      links?: PublicLink[];
      error?: string;
    } | null;
    if (!response?.ok || !body?.links) {
      setError(body?.error ?? 'Could not load the links of this document.');
      return;
    }
    setLinks(body.links);
  }, [docId, ownerToken]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setCopied(false);
    const response = await fetch(`/api/docs/${docId}/links`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ perm }),
    }).catch(() => null);
    const body = (await response?.json().catch(() => null)) as {
      token?: string;
      error?: string;
    } | null;
    if (!response?.ok || !body?.token) {
      setError(body?.error ?? 'Could not create the link.');
      return;
    }
    setCreated({ url: shareUrl(window.location.origin, docId, body.token), perm });
    await refresh();
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.url);
      setCopied(true);
    } catch {
      setError('Copying is blocked here: select the link and copy it by hand.');
    }
  };

  const revoke = async (linkId: string) => {
    setError(null);
    const response = await fetch(`/api/docs/${docId}/links/${linkId}`, {
      method: 'DELETE',
      headers,
    }).catch(() => null);
    if (!response?.ok) {
      const body = (await response?.json().catch(() => null)) as { error?: string } | null;
      setError(body?.error ?? 'Could not revoke the link.');
    }
    await refresh();
  };

  return (
    <div className="dialog-backdrop">
      <section
        className="dialog share-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${permId}-title`}
        data-testid="share-dialog"
      >
        <header className="dialog-header">
          <h2 id={`${permId}-title`}>Share this document</h2>
          <button type="button" className="link-button" onClick={onClose} aria-label="Close">
            Close
          </button>
        </header>
        <form className="share-create" onSubmit={create}>
          <label htmlFor={permId}>Anyone with the link</label>
          <select
            id={permId}
            value={perm}
            onChange={(e) => setPerm(e.target.value === 'view' ? 'view' : 'edit')}
            data-testid="share-perm"
          >
            <option value="edit">can edit</option>
            <option value="view">can view</option>
          </select>
          <button type="submit" data-testid="share-create">
            Create link
          </button>
        </form>
        {created ? (
          <div className="share-created">
            <label htmlFor={urlId}>
              New link ({created.perm === 'view' ? 'can view' : 'can edit'}) — copy it now, it is
              shown only once:
            </label>
            <div className="share-url-row">
              <input
                id={urlId}
                readOnly
                value={created.url}
                onFocus={(e) => e.target.select()}
                data-testid="share-url"
                data-perm={created.perm}
              />
              <button type="button" onClick={copy} data-testid="share-copy">
                {copied ? 'Copied' : 'Copy'}
              </button>
            </div>
          </div>
        ) : null}
        {error ? (
          <p className="share-error" role="alert">
            {error}
          </p>
        ) : null}
        <h3>Links</h3>
        {links === null ? (
          <p className="loading">Loading…</p>
        ) : (
          <ul className="share-links">
            {links.map((link) => (
              <li
                key={link.id}
                data-testid="share-link-row"
                data-link-id={link.id}
                data-perm={link.perm}
                data-revoked={link.revoked ? 'true' : 'false'}
              >
                <span className="share-link-perm">{LABEL[link.perm]}</span>
                <span className="share-link-date">{dateFormat.format(link.created)}</span>
                {link.revoked ? (
                  <span className="share-link-revoked">Revoked</span>
                ) : link.perm === 'owner' ? null : (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => void revoke(link.id)}
                    data-testid="share-revoke"
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
