'use client';

import { useSyncExternalStore } from 'react';
import type { RingProvider } from '../../lib/collab/provider.ts';
import { INITIAL_SNAPSHOT, type ProviderSnapshot } from '../../lib/collab/snapshot.ts';

const noopSubscribe = () => () => {};
const initial = () => INITIAL_SNAPSHOT;

/** The provider's current snapshot, re-rendering on every change. */
export function useProviderSnapshot(provider: RingProvider | null): ProviderSnapshot {
  return useSyncExternalStore(
    provider ? provider.subscribe : noopSubscribe,
    provider ? provider.getSnapshot : initial,
    initial,
  );
}
