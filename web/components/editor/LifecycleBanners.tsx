'use client';

import { useEffect, useRef, useState } from 'react';
import type { LocalStore } from '../../lib/collab/local-store.ts';
import type { RingProvider } from '../../lib/collab/provider.ts';
import {
  buildPollDelayMs,
  claimBuildSwitchReload,
  claimUpgradeReload,
  parseBuildAnswer,
} from '../../lib/collab/reload-guard.ts';
import { reloadKeepingLocalCopy } from '../../lib/collab/self-reload.ts';
import type { ProviderSnapshot } from '../../lib/collab/snapshot.ts';
import { plainStopMessage } from '../../lib/collab/stop-message.ts';

/** The build a load of this browser would get now (`GET /api/build`), `null` when unknown. */
async function buildOfNextLoad(): Promise<string | null> {
  try {
    const response = await fetch('/api/build', { cache: 'no-store' });
    return response.ok ? parseBuildAnswer(await response.json()) : null;
  } catch {
    return null;
  }
}

const recoveredKey = (docId: string) => `ringdoc:recovered:${docId}`;

function readRecovered(docId: string): string | null {
  try {
    return localStorage.getItem(recoveredKey(docId));
  } catch {
    return null;
  }
}

export interface LifecycleBannersProps {
  readonly docId: string;
  readonly build: string;
  /** The web build that served this page (differs from `build` only with a `?build=` override). */
  readonly pageBuild: string;
  readonly snapshot: ProviderSnapshot;
  readonly provider: RingProvider | null;
  readonly local: LocalStore | null;
  /** Plain text of the editor now (for recovery). */
  readonly readText: () => string;
}

/**
 * The banners of the provider's final states:
 * - upgrade required (C6): once unsynced edits are committed to IndexedDB, reload — at most
 *   once per required build (sessionStorage guard), so an outdated bundle never loops; when that
 *   reload did not help (blocked), ask `GET /api/build` (every 2 s, backing off to once a minute
 *   for a tab blocked long: `buildPollDelayMs`) and reload once more, the same
 *   way, as soon as a load would get another build than this page's (its build was rolled back:
 *   the gateway re-assigns it), at most once per (page build, new build) pair;
 * - document re-created (M7): keep the local text aside, drop the local copy (so it is never
 *   merged into the new generation), reload, and offer the text after the reload;
 * - refused (bad request, forbidden, too big).
 */
export function LifecycleBanners({
  docId,
  build,
  pageBuild,
  snapshot,
  provider,
  local,
  readText,
}: LifecycleBannersProps) {
  const [reloadBlocked, setReloadBlocked] = useState(false);
  const [recovered, setRecovered] = useState<string | null>(null);
  const handled = useRef<string | null>(null);
  const [unsavedText, setUnsavedText] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const stop = plainStopMessage(snapshot);

  useEffect(() => setRecovered(readRecovered(docId)), [docId]);

  useEffect(() => {
    if (snapshot.phase !== 'upgrade-required' || handled.current === 'upgrade') return;
    handled.current = 'upgrade';
    const minBuild = snapshot.upgrade?.minBuild ?? '';
    void (async () => {
      await local?.flush();
      if (claimUpgradeReload(sessionStorage, build, minBuild)) {
        reloadKeepingLocalCopy();
      } else {
        setReloadBlocked(true);
      }
    })();
  }, [snapshot.phase, snapshot.upgrade, local, build]);

  useEffect(() => {
    if (!reloadBlocked || snapshot.phase !== 'upgrade-required') return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const blockedAt = Date.now();
    const check = async () => {
      const sentTo = await buildOfNextLoad();
      if (stopped) return;
      if (claimBuildSwitchReload(sessionStorage, pageBuild, sentTo)) {
        await local?.flush();
        reloadKeepingLocalCopy();
        return;
      }
      timer = setTimeout(
        () => void check(),
        buildPollDelayMs(Date.now() - blockedAt, Math.random()),
      );
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [reloadBlocked, snapshot.phase, pageBuild, local]);

  useEffect(() => {
    if (snapshot.phase !== 'recovery-required' || handled.current === 'recover') return;
    handled.current = 'recover';
    const text = readText();
    void (async () => {
      try {
        localStorage.setItem(recoveredKey(docId), text);
      } catch {
        /* the text stays visible in this banner */
      }
      provider?.destroy();
      await local?.clear();
      reloadKeepingLocalCopy();
    })();
  }, [snapshot.phase, docId, provider, local, readText]);

  // Stopped (e.g. access removed) with edits no node acknowledged: keep the text as this tab
  // has it, so the person can copy what would otherwise be lost.
  useEffect(() => {
    if (snapshot.phase !== 'stopped' || handled.current === 'stopped') return;
    handled.current = 'stopped';
    if (snapshot.unsynced) setUnsavedText(readText());
  }, [snapshot.phase, snapshot.unsynced, readText]);

  const copyUnsaved = async () => {
    try {
      await navigator.clipboard.writeText(unsavedText ?? '');
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  const dismissRecovered = () => {
    try {
      localStorage.removeItem(recoveredKey(docId));
    } catch {
      /* ignore */
    }
    setRecovered(null);
  };

  return (
    <>
      {snapshot.phase === 'upgrade-required' ? (
        <div
          className="banner banner-warning"
          role="alert"
          data-testid="upgrade-banner"
          data-reload-blocked={reloadBlocked ? 'true' : 'false'}
        >
          <strong>A newer version of the editor is required.</strong>{' '}
          {reloadBlocked
            ? 'Reloading did not bring it; your edits are kept on this device. Try again later.'
            : 'Your edits are kept on this device; reloading…'}
          {reloadBlocked ? (
            <button
              type="button"
              onClick={() =>
                void (local?.flush() ?? Promise.resolve()).then(() => reloadKeepingLocalCopy())
              }
            >
              Reload
            </button>
          ) : null}
        </div>
      ) : null}
      {snapshot.phase === 'recovery-required' ? (
        <div className="banner banner-warning" role="alert" data-testid="recovery-banner">
          <strong>This document was re-created on the server.</strong> Reloading; your local text
          will be offered for recovery.
        </div>
      ) : null}
      {stop ? (
        <div
          className="banner banner-error"
          role="alert"
          data-testid="stopped-banner"
          title={snapshot.error ?? undefined}
        >
          <p>
            <strong>{stop.title}</strong> {stop.detail}
          </p>
          {unsavedText !== null ? (
            <section className="unsaved" aria-label="Changes that were not saved">
              <p>
                Your latest changes could not be saved. Here is the text as this tab has it: copy
                what you need before closing it.
              </p>
              <textarea readOnly value={unsavedText} rows={5} data-testid="unsaved-text" />
              <button type="button" onClick={() => void copyUnsaved()} data-testid="copy-unsaved">
                {copied ? 'Copied' : 'Copy text'}
              </button>
            </section>
          ) : (
            <p>Everything you wrote before this was saved.</p>
          )}
        </div>
      ) : null}
      {recovered !== null ? (
        <section
          className="banner banner-info"
          aria-label="Recovered text"
          data-testid="recovered-text"
        >
          <p>
            <strong>Text recovered from before the document was re-created.</strong> Copy what you
            need back into the document.
          </p>
          <textarea readOnly value={recovered} rows={5} />
          <button type="button" onClick={dismissRecovered}>
            Dismiss
          </button>
        </section>
      ) : null}
    </>
  );
}
