'use client';

import { useEffect } from 'react';
import type { RingProvider } from '../../lib/collab/provider.ts';
import { distinctColor } from '../../lib/presence-style.ts';

/**
 * Keeps this tab's name and colour in the awareness: the colour is `preferred` unless
 * someone else in the document has it (see {@link distinctColor}), re-checked whenever
 * people come, go or change.
 */
export function usePresenceIdentity(
  provider: RingProvider | null,
  name: string,
  preferred: string,
): void {
  useEffect(() => {
    if (!provider) return;
    const { awareness } = provider;
    const refresh = () => {
      const local = awareness.getLocalState();
      if (local === null) return;
      const self = provider.doc.clientID;
      const others = new Map<number, string>();
      for (const [id, state] of awareness.getStates()) {
        if (id !== self && typeof state?.color === 'string') others.set(id, state.color);
      }
      const color = distinctColor(preferred, self, others);
      if (local.name !== name) awareness.setLocalStateField('name', name);
      if (local.color !== color) awareness.setLocalStateField('color', color);
    };
    refresh();
    awareness.on('change', refresh);
    return () => awareness.off('change', refresh);
  }, [provider, name, preferred]);
}
