'use client';

import { useEffect } from 'react';
import { isSelfReloading } from '../../lib/collab/self-reload.ts';

/**
 * While `unsynced` (edits no node has acknowledged: they exist only on this device), closing
 * or leaving the tab asks the browser's "Leave site? Changes you made may not be saved."
 * The edits are also kept in IndexedDB and the unload rescue copy, but only this device has
 * them until it is back online. A reload the page makes by itself (version gate, rolled-back
 * build) is not questioned: it keeps the edits on the device first (`self-reload.ts`).
 */
export function useUnsavedWarning(unsynced: boolean): void {
  useEffect(() => {
    if (!unsynced) return;
    const warn = (event: BeforeUnloadEvent) => {
      // The page reloads by itself after keeping its edits on this device: nothing to ask.
      if (isSelfReloading()) return;
      event.preventDefault();
      // Older browsers show the dialog only when returnValue is set.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsynced]);
}
