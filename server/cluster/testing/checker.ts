import * as Y from 'yjs';
import { routingKey } from '../../../ring/core/routing-key.ts';
import type { SimCluster } from './sim-cluster.ts';
import type { SimEditor } from './sim-editor.ts';

/** One copy of a document that must hold the acknowledged state. */
interface Copy {
  readonly where: string;
  readonly text: string;
  readonly stateVector: Uint8Array;
  readonly generation: string | null;
}

export interface CheckOptions {
  /** Phase 2: editors are back and settled: full convergence, not only acknowledged tokens. */
  readonly editorsSettled: boolean;
  /** Copies per document (R). */
  readonly replicas: number;
}

export interface CheckResult {
  readonly problems: string[];
  /** Stored copies on nodes outside a document's preference list (not handed off yet). */
  readonly leftoverCopies: number;
}

const TOKEN = /^e\d+\.\d+$/;

/** Counts each space-separated word of `text`. */
export function tokenCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.split(' ')) if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

function docCopy(where: string, updates: readonly Uint8Array[], generation: string | null): Copy {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const u of updates) Y.applyUpdate(doc, u);
  });
  const copy = {
    where,
    text: doc.getText('t').toString(),
    stateVector: Y.encodeStateVector(doc),
    generation,
  };
  doc.destroy();
  return copy;
}

function sameVector(a: Uint8Array, b: Uint8Array): boolean {
  const x = Y.decodeStateVector(a);
  const y = Y.decodeStateVector(b);
  return x.size === y.size && [...x].every(([client, clock]) => y.get(client) === clock);
}

function describeVector(sv: Uint8Array): string {
  const map = Y.decodeStateVector(sv);
  return `{${[...map].map(([c, n]) => `${c}:${n}`).join(',')}}`;
}

/**
 * The end-of-seed invariants, per document, against the final view's preference list:
 * - every acknowledged token is present exactly once in every holder's stored copy and
 *   loaded room (0 lost acknowledged updates, C4/N3/M3);
 * - no token appears twice, none that no editor typed (no duplicated or phantom content);
 * - every holder has the same generation (M7);
 * - with `editorsSettled`: every live editor's tokens are everywhere too, and the state
 *   vectors of every editor and every holder copy are equal (convergence).
 */
export async function checkCluster(
  cluster: SimCluster,
  editors: readonly SimEditor[],
  options: CheckOptions,
): Promise<CheckResult> {
  const problems: string[] = [];
  const view = cluster.membership.current();
  const docIds = [...new Set(editors.map((e) => e.docId))].sort();
  let leftoverCopies = 0;
  for (const docId of docIds) {
    const mine = editors.filter((e) => e.docId === docId);
    const typedAnywhere = new Set(mine.flatMap((e) => e.typed));
    const acked = new Set(mine.flatMap((e) => e.acked()));
    const live = mine.filter((e) => !e.closedTab);
    const expected = new Set(acked);
    if (options.editorsSettled) for (const e of live) for (const t of e.current()) expected.add(t);
    const holders = view.ring.preferenceList(routingKey(docId), options.replicas);
    const copies: Copy[] = [];
    for (const holder of holders) {
      const node = cluster.live(holder);
      if (node?.status() !== 'up') {
        problems.push(`${docId}: holder ${holder} is not up`);
        continue;
      }
      const stored = await node.store.load(docId).catch((e: unknown) => {
        problems.push(`${docId}: ${holder} cannot load its copy: ${String(e)}`);
        return null;
      });
      if (stored) copies.push(docCopy(`${holder}/stored`, stored.updates, stored.generation));
      else if (expected.size > 0) problems.push(`${docId}: holder ${holder} has no stored copy`);
      const room = node.registry.get(docId);
      if (room) {
        copies.push(docCopy(`${holder}/room`, [Y.encodeStateAsUpdate(room.doc)], room.generation));
      }
    }
    for (const slot of cluster.slots.values()) {
      const node = cluster.live(slot.id);
      if (!node || holders.includes(slot.id)) continue;
      const stored = await node.store.list().catch((): string[] => []);
      if (stored.includes(docId)) leftoverCopies++;
    }
    if (options.editorsSettled) {
      for (const e of live) {
        copies.push({
          where: `editor ${e.name}`,
          text: e.text(),
          stateVector: Y.encodeStateVector(e.doc),
          generation: e.generation,
        });
      }
    }
    const generations = new Set(copies.map((c) => c.generation).filter((g) => g !== null));
    if (generations.size > 1) {
      problems.push(
        `${docId}: generations differ: ${copies.map((c) => `${c.where}=${c.generation}`).join(' ')}`,
      );
    }
    for (const copy of copies) {
      const counts = tokenCounts(copy.text);
      const lost = [...expected].filter((t) => !counts.has(t));
      if (lost.length > 0) {
        const ackedLost = lost.filter((t) => acked.has(t));
        problems.push(
          `${docId}: ${copy.where} lacks ${lost.length} tokens (${ackedLost.length} acknowledged): ${lost.slice(0, 8).join(' ')}`,
        );
      }
      for (const [token, n] of counts) {
        if (!TOKEN.test(token))
          problems.push(`${docId}: ${copy.where} holds garbled text ${token}`);
        else if (!typedAnywhere.has(token))
          problems.push(`${docId}: ${copy.where} holds phantom token ${token}`);
        else if (n > 1) problems.push(`${docId}: ${copy.where} holds ${token} ${n} times`);
      }
      if (mine.some((e) => e.abandoned.some((t) => counts.has(t)))) {
        problems.push(`${docId}: ${copy.where} holds tokens of an abandoned generation`);
      }
    }
    if (options.editorsSettled) {
      const first = copies[0];
      for (const copy of copies.slice(1)) {
        if (first && !sameVector(first.stateVector, copy.stateVector)) {
          problems.push(
            `${docId}: state vectors differ: ${first.where} ${describeVector(first.stateVector)} vs ${copy.where} ${describeVector(copy.stateVector)}`,
          );
        }
      }
    }
  }
  return { problems, leftoverCopies };
}
