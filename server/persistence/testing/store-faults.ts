/**
 * A durability probe the store contract uses to prove ack-after-durable (DESIGN C4):
 * a "barrier" is whatever makes a batch durable (an fsync of the log for the file store).
 */
export interface StoreFaults {
  /**
   * True when one barrier covers every document's appends (the node-wide journal, DESIGN N7):
   * a failed barrier then fails the appends of every document it covered, and the next
   * barriers go on. False/absent: barriers are per document.
   */
  readonly sharedBarrier?: boolean;
  /** Barriers (fsyncs) issued so far, over all documents. */
  barriers(): number;
  /** The next barrier of `docId`'s appends waits for `release()`; `reached` resolves when it starts waiting. */
  hold(docId: string): { readonly reached: Promise<void>; release(): void };
  /** The next barrier of `docId`'s appends fails with an I/O error of this errno code. */
  failNext(docId: string, code: string): void;
}

/** A scripted barrier for `createMemoryStore({ barrier })` and its probe. */
export function createBarrierFaults(): {
  barrier: (docId: string) => Promise<void>;
  faults: StoreFaults;
} {
  const holds = new Map<string, { gate: Promise<void>; reached: () => void }[]>();
  const failures = new Map<string, string[]>();
  let barriers = 0;
  return {
    async barrier(docId) {
      barriers++;
      const hold = holds.get(docId)?.shift();
      if (hold) {
        hold.reached();
        await hold.gate;
      }
      const code = failures.get(docId)?.shift();
      if (code !== undefined) {
        throw Object.assign(new Error(`${code}: injected fault for ${docId}`), { code });
      }
    },
    faults: {
      barriers: () => barriers,
      hold(docId) {
        let release = () => {};
        let reached = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const reachedPromise = new Promise<void>((resolve) => {
          reached = resolve;
        });
        const list = holds.get(docId) ?? [];
        list.push({ gate, reached });
        holds.set(docId, list);
        return { reached: reachedPromise, release: () => release() };
      },
      failNext(docId, code) {
        const list = failures.get(docId) ?? [];
        list.push(code);
        failures.set(docId, list);
      },
    },
  };
}
