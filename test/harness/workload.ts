import * as Y from 'yjs';
import { createPeerPool, type PeerPool } from '../../server/cluster/peer-client.ts';
import { DEVELOPMENT_CLUSTER_SECRET } from '../../server/config.ts';
import { createSilentLogger } from '../../server/log.ts';
import type { Cluster } from './cluster.ts';
import { type RouteSource, SimEditor, type SimEditorOptions, tokenCounts } from './editor.ts';
import { type NodeProcess, waitFor } from './node-process.ts';

/** What a workload needs of a cluster (a test cluster, or a view of `npm start`'s): URLs and routes. */
export type WorkloadCluster = Pick<Cluster, 'ownerOf'> & {
  readonly nodes: ReadonlyArray<Pick<NodeProcess, 'running' | 'paused' | 'url'>>;
  node(id: string): Pick<NodeProcess, 'url'>;
};

/** D documents × E editors typing unique tokens against a real cluster. */
export class Workload {
  readonly editors: SimEditor[] = [];
  readonly docIds: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cluster: WorkloadCluster,
    docs: number,
    editorsPerDoc: number,
    tag = Math.random().toString(36).slice(2, 8),
    editorOptions: SimEditorOptions = {},
  ) {
    const routes: RouteSource = {
      nodeUrls: () => cluster.nodes.filter((n) => n.running && !n.paused).map((n) => n.url),
    };
    for (let d = 0; d < docs; d++) {
      const docId = `w-${tag}-${d}`;
      this.docIds.push(docId);
      for (let e = 0; e < editorsPerDoc; e++)
        this.editors.push(new SimEditor(docId, `${tag}d${d}e${e}`, routes, editorOptions));
    }
  }

  /** Connects every editor and waits until all are synced. */
  async start(): Promise<void> {
    for (const e of this.editors) e.start();
    await waitFor('all editors connected', () => this.editors.every((e) => e.connected), 30_000);
  }

  /** Every editor types one token every `intervalMs` (jittered) until `stopTyping`. */
  startTyping(intervalMs = 300): void {
    const tick = Math.max(10, Math.floor(intervalMs / 10));
    this.timer = setInterval(() => {
      for (const e of this.editors) if (Math.random() < tick / intervalMs) e.type();
    }, tick);
  }

  stopTyping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Waits until every editor is connected, has every token acked, and each doc's editors agree. */
  async settle(timeoutMs = 40_000): Promise<void> {
    await waitFor(
      'editors settled (all tokens acked, documents converged)',
      () =>
        this.editors.every((e) => e.connected && e.ackedCount === e.typed.length) &&
        this.docIds.every((id) => {
          const texts = this.editorsOf(id).map((e) => e.text());
          return texts.every((t) => t === texts[0]);
        }),
      timeoutMs,
    ).catch((error: Error) => {
      const stuck = this.editors
        .filter((e) => !e.connected || e.ackedCount !== e.typed.length)
        .slice(0, 10)
        .map(
          (e) =>
            `${e.name} doc=${e.docId} connected=${e.connected} acked=${e.ackedCount}/${e.typed.length} node=${e.currentNode()} reconnects=${e.reconnects} bad=${e.badCloses.join('|')}`,
        );
      throw new Error(`${error.message}\n${stuck.join('\n')}`);
    });
  }

  editorsOf(docId: string): SimEditor[] {
    return this.editors.filter((e) => e.docId === docId);
  }

  /** Total acknowledged tokens. */
  ackedTotal(): number {
    return this.editors.reduce((n, e) => n + e.ackedCount, 0);
  }

  /** How many tokens each editor (in `editors` order) has typed so far: marks for `waitAcked`. */
  typedMarks(): number[] {
    return this.editors.map((e) => e.typed.length);
  }

  /**
   * Waits until every editor is connected and the server acknowledged at least the first
   * `marks[i]` tokens of editor i (default: everything typed so far) while typing may go on.
   * Throws after `timeoutMs` (default 60 s) naming the editors that are behind.
   */
  async waitAcked(marks: readonly number[] = this.typedMarks(), timeoutMs = 60_000): Promise<void> {
    const behind = () =>
      this.editors.filter((e, i) => !e.connected || e.ackedCount < (marks[i] ?? 0));
    await waitFor(
      'every editor connected with its tokens acked',
      () => behind().length === 0,
      timeoutMs,
    ).catch((error: Error) => {
      const stuck = behind()
        .slice(0, 10)
        .map(
          (e) =>
            `${e.name} doc=${e.docId} connected=${e.connected} acked=${e.ackedCount}/${marks[this.editors.indexOf(e)]} node=${e.currentNode()} reconnects=${e.reconnects}`,
        );
      throw new Error(`${error.message}\n${stuck.join('\n')}`);
    });
  }

  /**
   * Waits until each holder (owner and the next `replicas − 1` members per the cluster's
   * `/route`) of every document stores every token its editors had acknowledged when the call
   * started (DESIGN N3: a second failure must find every acknowledged update on a survivor).
   * Throws after `timeoutMs` (default 60 s) naming the documents still missing tokens.
   */
  async waitReplicated(replicas = 2, timeoutMs = 60_000): Promise<void> {
    const want = new Map(
      this.docIds.map((id) => [id, this.editorsOf(id).flatMap((e) => e.acked())]),
    );
    const missing = new Map<string, string>();
    const pool = createPeerPool({ secret: DEVELOPMENT_CLUSTER_SECRET, log: createSilentLogger() });
    try {
      await waitFor(
        'every holder stores every acknowledged token',
        async () => {
          for (const docId of [...want.keys()]) {
            const route = await this.cluster.ownerOf(docId);
            const holders = [route.owner, ...route.replicas].slice(0, replicas);
            let ok = true;
            for (const holder of holders) {
              const got = await this.holderDoc(pool, holder, docId);
              const counts = tokenCounts(
                typeof got === 'string' ? '' : got.getText('t').toString(),
              );
              const absent = (want.get(docId) ?? []).filter((t) => !counts.has(t));
              if (typeof got === 'string' || absent.length > 0) {
                missing.set(
                  docId,
                  `${docId}: holder ${holder} ${typeof got === 'string' ? `cannot serve it (${got})` : `lacks ${absent.length} acked tokens (e.g. ${absent[0]})`}`,
                );
                ok = false;
                break;
              }
            }
            if (!ok) return false;
            missing.delete(docId);
            want.delete(docId);
          }
          return true;
        },
        timeoutMs,
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n${[...missing.values()].slice(0, 10).join('\n')}`,
      );
    } finally {
      pool.close();
    }
  }

  /** Closes an editor saw that it must never see (bad request, upgrade required), by editor. */
  badCloses(): string[] {
    return this.editors.flatMap((e) =>
      e.badCloses.map((c) => `${e.name} doc=${e.docId}: closed ${c}`),
    );
  }

  /**
   * The invariants of DESIGN M3: every acknowledged token is present exactly once in every
   * editor's document and in every holder's stored copy; no token appears twice; no phantom
   * (untyped) word appears; every editor and holder of a document has the same text and the
   * same Yjs state vector. Returns a list of violations (empty = OK).
   */
  async verify(replicas = 2): Promise<string[]> {
    const violations: string[] = [];
    const pool = createPeerPool({ secret: DEVELOPMENT_CLUSTER_SECRET, log: createSilentLogger() });
    try {
      for (const docId of this.docIds) {
        const editors = this.editorsOf(docId);
        const typed = new Set(editors.flatMap((e) => e.typed));
        const acked = editors.flatMap((e) => e.acked());
        const copies: Array<{ who: string; text: string; sv: string }> = editors.map((e) => ({
          who: `editor ${e.name}`,
          text: e.text(),
          sv: stateVectorKey(e.doc),
        }));
        const reference = copies[0];
        const route = await this.cluster.ownerOf(docId);
        const holders = [route.owner, ...route.replicas].slice(0, replicas);
        for (const holder of holders) {
          let copy: { who: string; text: string; sv: string } | null = null;
          let failure = 'no answer';
          await waitFor(
            `holder ${holder} of ${docId} caught up`,
            async () => {
              const got = await this.holderDoc(pool, holder, docId);
              if (typeof got === 'string') {
                failure = got;
                return false;
              }
              copy = {
                who: `holder ${holder}`,
                text: got.getText('t').toString(),
                sv: stateVectorKey(got),
              };
              return copy.text === reference?.text && copy.sv === reference.sv;
            },
            5_000,
          ).catch(() => {});
          if (copy) copies.push(copy);
          else violations.push(`${docId}: holder ${holder} cannot serve it (${failure})`);
        }
        for (const { who, text, sv } of copies) {
          const counts = tokenCounts(text);
          if (text !== reference?.text) {
            violations.push(
              `${docId}: ${who} differs from ${reference?.who} (${counts.size} vs ${tokenCounts(reference?.text ?? '').size} words; route ${route.owner}+${route.replicas.join(',')})`,
            );
          } else if (sv !== reference.sv) {
            violations.push(
              `${docId}: ${who} state vector {${sv}} differs from ${reference.who}'s {${reference.sv}}`,
            );
          }
          const lost = acked.filter((t) => !counts.has(t));
          const twice = [...counts]
            .filter(([w, n]) => typed.has(w) && n > 1)
            .map(([w, n]) => `${w} ${n}x`);
          const phantom = [...counts.keys()].filter((w) => !typed.has(w));
          const some = (list: string[]) =>
            `${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`;
          if (lost.length > 0)
            violations.push(
              `${docId}: ${lost.length} acked tokens missing in ${who} (${some(lost)})`,
            );
          if (twice.length > 0)
            violations.push(
              `${docId}: ${twice.length} tokens duplicated in ${who} (${some(twice)})`,
            );
          if (phantom.length > 0)
            violations.push(
              `${docId}: ${phantom.length} phantom words in ${who} (${some(phantom)})`,
            );
        }
      }
    } finally {
      pool.close();
    }
    return violations;
  }

  /** The document as `holder` stores it, or why it cannot serve it right now. */
  private async holderDoc(pool: PeerPool, holder: string, docId: string): Promise<Y.Doc | string> {
    const node = this.cluster.node(holder);
    try {
      const res = await pool.request(node.url, { kind: 'fetch', docId }, 0, 5000);
      if (res.status !== 'ok') return `fetch answered ${res.status}: ${res.message}`;
      if (!res.doc) return 'it does not hold the document';
      const doc = new Y.Doc();
      Y.applyUpdate(doc, res.doc.state);
      return doc;
    } catch (error) {
      return `fetch failed: ${(error as Error).message}`;
    }
  }

  stop(): void {
    this.stopTyping();
    for (const e of this.editors) e.stop();
  }
}

/** A document's state vector as `client:clock` pairs sorted by client (comparable as a string). */
export function stateVectorKey(doc: Y.Doc): string {
  return [...Y.decodeStateVector(Y.encodeStateVector(doc))]
    .sort((a, b) => a[0] - b[0])
    .map(([client, clock]) => `${client}:${clock}`)
    .join(',');
}
