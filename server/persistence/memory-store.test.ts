import { createMemoryBacking, createMemoryStore } from './memory-store.ts';
import { describeStoreContract } from './store.contract.ts';
import type { DocStore } from './store.ts';
import { createBarrierFaults } from './testing/store-faults.ts';

describeStoreContract('memory store', async () => {
  const backing = createMemoryBacking();
  const { barrier, faults } = createBarrierFaults();
  const stores: DocStore[] = [];
  const make = (): DocStore => {
    const store = createMemoryStore({ backing, barrier });
    stores.push(store);
    return store;
  };
  return {
    store: make(),
    reopen: async () => make(),
    cleanup: async () => {
      await Promise.all(stores.map((store) => store.close()));
    },
    faults,
  };
});
