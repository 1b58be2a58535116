import type { MemoryBacking } from '../../persistence/memory-store.ts';
import { createMemoryStore } from '../../persistence/memory-store.ts';
import type { DocStore } from '../../persistence/store.ts';
import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';

/** A node process's view of its disk: the real memory store over a backing that survives it. */
export interface SimDisk {
  readonly store: DocStore;
  /** The process died: writes not yet "fsynced" are lost, and the store refuses everything. */
  crash(): void;
}

/**
 * Opens the memory store (group commit and all) over `backing`, with an fsync that takes a
 * random 0–6 ms of simulated time. An append resolves only after its fsync, so what was
 * acknowledged is in `backing`; a crash rejects the fsyncs under way, so nothing of their
 * batches reaches `backing` (the store's barrier contract), and closes the store.
 */
export function openSimDisk(backing: MemoryBacking, clock: SimClock, prng: Prng): SimDisk {
  let dead = false;
  const fsyncs = new Set<{ cancel: () => void; reject: (e: Error) => void }>();
  const store = createMemoryStore({
    backing,
    barrier: () =>
      new Promise<void>((resolve, reject) => {
        if (dead) {
          reject(new Error('process crashed'));
          return;
        }
        const entry = {
          reject,
          cancel: clock.after(prng.int(0, 6), () => {
            fsyncs.delete(entry);
            resolve();
          }),
        };
        fsyncs.add(entry);
      }),
  });
  return {
    store,
    crash() {
      if (dead) return;
      dead = true;
      for (const entry of fsyncs) {
        entry.cancel();
        entry.reject(new Error('process crashed'));
      }
      fsyncs.clear();
      void store.close().catch(() => {});
    },
  };
}
