/** The part of `Storage` (sessionStorage) the guard needs. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const KEY = 'ringdoc:upgrade-reload';

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
  const marker = `${runningBuild}->${requiredBuild}`;
  try {
    if (storage.getItem(KEY) === marker) return false;
    storage.setItem(KEY, marker);
    return storage.getItem(KEY) === marker;
  } catch {
    return false;
  }
}
