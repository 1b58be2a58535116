import * as Y from 'yjs';
import { createPeerPool } from '../../server/cluster/peer-client.ts';
import { DEVELOPMENT_CLUSTER_SECRET } from '../../server/config.ts';
import { createSilentLogger } from '../../server/log.ts';
import type { Cluster } from './cluster.ts';
import { type RouteSource, SimEditor, tokenCounts } from './editor.ts';
import { waitFor } from './node-process.ts';

/** D documents × E editors typing unique tokens against a real cluster. */
export class Workload {
  readonly editors: SimEditor[] = [];
  readonly docIds: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cluster: Cluster,
    docs: number,
    editorsPerDoc: number,
    tag = Math.random().toString(36).slice(2, 8),
  ) {
    const routes: RouteSource = {
      nodeUrls: () => cluster.nodes.filter((n) => n.running && !n.paused).map((n) => n.url),
    };
    for (let d = 0; d < docs; d++) {
      const docId = `w-${tag}-${d}`;
      this.docIds.push(docId);
      for (let e = 0; e < editorsPerDoc; e++)
        this.editors.push(new SimEditor(docId, `${tag}d${d}e${e}`, routes));
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

  /**
   * The invariants of DESIGN M3: every acknowledged token is present exactly once in every
   * editor's document and in every holder's stored copy; no token appears twice; no phantom
   * (untyped) word appears. Returns a list of violations (empty = OK).
   */
  async verify(replicas = 2): Promise<string[]> {
    const violations: string[] = [];
    const pool = createPeerPool({ secret: DEVELOPMENT_CLUSTER_SECRET, log: createSilentLogger() });
    try {
      for (const docId of this.docIds) {
        const editors = this.editorsOf(docId);
        const typed = new Set(editors.flatMap((e) => e.typed));
        const acked = editors.flatMap((e) => e.acked());
        const texts: Array<[string, string]> = editors.map((e) => [`editor ${e.name}`, e.text()]);
        const route = await this.cluster.ownerOf(docId);
        const holders = [route.owner, ...route.replicas].slice(0, replicas);
        for (const holder of holders) {
          const node = this.cluster.node(holder);
          let holderText = '';
          await waitFor(
            `holder ${holder} of ${docId} caught up`,
            async () => {
              const res = await pool.request(node.url, { kind: 'fetch', docId }, 0, 5000);
              if (res.status !== 'ok' || !res.doc) return false;
              const doc = new Y.Doc();
              Y.applyUpdate(doc, res.doc.state);
              holderText = doc.getText('t').toString();
              return holderText === texts[0]?.[1];
            },
            5_000,
          ).catch(() => {});
          texts.push([`holder ${holder}`, holderText]);
        }
        for (const [who, text] of texts) {
          const counts = tokenCounts(text);
          if (text !== texts[0]?.[1]) {
            violations.push(
              `${docId}: ${who} differs from ${texts[0]?.[0]} (${counts.size} vs ${tokenCounts(texts[0]?.[1] ?? '').size} words; route ${route.owner}+${route.replicas.join(',')})`,
            );
          }
          for (const token of acked) {
            const n = counts.get(token) ?? 0;
            if (n !== 1) violations.push(`${docId}: acked token ${token} appears ${n}x in ${who}`);
          }
          for (const [word, n] of counts) {
            if (!typed.has(word)) violations.push(`${docId}: phantom word ${word} in ${who}`);
            else if (n > 1) violations.push(`${docId}: token ${word} duplicated (${n}x) in ${who}`);
          }
        }
      }
    } finally {
      pool.close();
    }
    return violations;
  }

  stop(): void {
    this.stopTyping();
    for (const e of this.editors) e.stop();
  }
}
