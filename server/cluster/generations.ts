import type { Etcd3 } from 'etcd3';

/** The cluster-wide record of each document's generation (M7), kept in etcd. */
export interface Generations {
  /**
   * The generation of `docId` the cluster agreed on: the recorded one, or `proposed` if none
   * is recorded yet (recorded atomically, so two nodes proposing at once agree on one).
   * Rejects when etcd does not answer within the timeout: the caller fails its load rather
   * than invent a generation of its own.
   */
  agree(docId: string, proposed: string): Promise<string>;
}

export interface GenerationsOptions {
  /** The node's etcd client (`null` before the node started). */
  readonly client: () => Etcd3 | null;
  /** etcd key prefix; records live under `<prefix>generations/<docId>`. */
  readonly prefix: string;
  /** How long to wait for etcd (default 2 000 ms). */
  readonly timeoutMs?: number;
}

/** Key of the generation record of `docId`. */
export function generationKey(prefix: string, docId: string): string {
  return `${prefix}generations/${docId}`;
}

/**
 * Why etcd: a document whose every holder is out of reach at once (two overlapping faults
 * with R = 2) is loaded empty by its next owner. With a generation of its own choosing the
 * holders' copies, acknowledged edits included, would be refused as another generation when
 * they return; with the recorded one they merge back (Yjs merges are idempotent). A document
 * re-created after its etcd record is gone too (a new cluster) still gets a new generation.
 */
export function createGenerations(options: GenerationsOptions): Generations {
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    async agree(docId, proposed) {
      const client = options.client();
      if (!client) throw new Error('etcd is not connected');
      const key = generationKey(options.prefix, docId);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`etcd did not answer within ${timeoutMs} ms (generation of ${docId})`),
            ),
          timeoutMs,
        );
      });
      try {
        const result = await Promise.race([
          client
            .if(key, 'Create', '==', 0)
            .then(client.put(key).value(proposed))
            .else(client.get(key))
            .commit(),
          timeout,
        ]);
        if (result.succeeded) return proposed;
        const recorded = result.responses[0]?.response_range?.kvs[0]?.value.toString();
        if (!recorded) throw new Error(`the generation record of ${docId} vanished; retry`);
        return recorded;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
