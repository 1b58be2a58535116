/** The part of `Storage` (sessionStorage) the guard needs. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const KEY = 'ringdoc:upgrade-reload';
const SWITCH_KEY = 'ringdoc:build-switch-reload';

/** Records `marker` under `key` unless it is already there; false when it was, or storage fails. */
function claimOnce(storage: KeyValueStore, key: string, marker: string): boolean {
  try {
    if (storage.getItem(key) === marker) return false;
    storage.setItem(key, marker);
    return storage.getItem(key) === marker;
  } catch {
    return false;
  }
}

/**
 * Decides whether an outdated tab may reload itself (DESIGN C6) without ever looping: the
 * tab reloads at most once per (running build, required build) pair, remembered in
 * sessionStorage, which survives the reload but not the tab. Returns true when the caller
 * should reload now (and records that it did); false when this tab already reloaded for the
 * same pair, so the reload evidently did not bring a newer build and a banner must do.
 * Storage failures (private mode, quota) count as "already reloaded": no reload without memory.
 */
export function claimUpgradeReload(
  storage: KeyValueStore,
  runningBuild: string,
  requiredBuild: string,
): boolean {
  return claimOnce(storage, KEY, `${runningBuild}->${requiredBuild}`);
}

/**
 * Decides whether a tab whose upgrade reload is blocked (it already reloaded once and is still
 * refused) may reload once more because the web gateway now sends it elsewhere: `sentTo` is the
 * build a load of this tab would get now (`GET /api/build`), `runningBuild` the build that served
 * this page. True at most once per (running, sent-to) pair (recorded in sessionStorage, apart from
 * the version gate's own pair), never when both are the same build or `sentTo` is unknown (`null`),
 * never without working storage. So a rolled-back build's tab returns to the stable build by itself,
 * and no pair of builds can bounce a tab back and forth.
 */
export function claimBuildSwitchReload(
  storage: KeyValueStore,
  runningBuild: string,
  sentTo: string | null,
): boolean {
  if (sentTo === null || sentTo === runningBuild) return false;
  return claimOnce(storage, SWITCH_KEY, `${runningBuild}->${sentTo}`);
}

const BUILD = /^[A-Za-z0-9._+-]{1,64}$/;

/** The build of a `GET /api/build` answer (`{ "build": "…" }`), or `null` for anything else. Pure. */
export function parseBuildAnswer(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const build = (body as { build?: unknown }).build;
  return typeof build === 'string' && BUILD.test(build) ? build : null;
}

/**
 * How long a blocked tab waits before asking `GET /api/build` again, once it has been blocked
 * for `blockedForMs`: every 2 s at first (a rollback is usually decided within a minute), then a
 * tenth of the time blocked, at most every 60 s, so tabs left blocked for hours do not poll the
 * web app every 2 s; `random` (0–1) spreads tabs blocked together by ±20 %.
 */
export function buildPollDelayMs(blockedForMs: number, random: number): number {
  const base = Math.min(60_000, Math.max(2_000, blockedForMs / 10));
  return Math.round(base * (0.8 + 0.4 * random));
}
