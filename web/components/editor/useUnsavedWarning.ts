'use client';

import { useEffect } from 'react';

/**
 * While `unsynced` (edits no node has acknowledged: they exist only on this device), closing
 * or leaving the tab asks the browser's "Leave site? Changes you made may not be saved."
 * The edits are also kept in IndexedDB and the unload rescue copy, but only this device has
 * them until it is back online.
 */
export function useUnsavedWarning(unsynced: boolean): void {
  useEffect(() => {
    if (!unsynced) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers show the dialog only when returnValue is set.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsynced]);
}
