import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { lastKeystrokeIn } from './identify.ts';
import { generateTypingTrace } from './trace.ts';

describe('typing trace', () => {
  const a = generateTypingTrace({ keystrokes: 3000, seed: 1, clientId: 1001 });
  const b = generateTypingTrace({ keystrokes: 3000, seed: 2, clientId: 2002 });

  it('is one update per keystroke, deterministic for a seed', () => {
    expect(a.updates).toHaveLength(3000);
    const again = generateTypingTrace({ keystrokes: 3000, seed: 1, clientId: 1001 });
    expect(Buffer.from(again.finalState).equals(Buffer.from(a.finalState))).toBe(true);
  });

  it('has the automerge-perf shape: ~30% deletions and cursor jumps', () => {
    const share = a.stats.deletes / (a.stats.inserts + a.stats.deletes);
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
    expect(a.stats.jumps).toBeGreaterThan(20);
    expect(a.stats.selectionDeletes).toBeGreaterThan(0);
  });

  it('replays two editors interleaved into one document, both texts intact', () => {
    const doc = new Y.Doc();
    for (let k = 0; k < 3000; k++) {
      Y.applyUpdate(doc, a.updates[k]!);
      Y.applyUpdate(doc, b.updates[k]!);
    }
    expect(doc.getText('text').length).toBe(a.stats.finalChars + b.stats.finalChars);
  });

  it('tells from a rebroadcast update which keystroke it carries, and ignores the other client', () => {
    const server = new Y.Doc();
    let seen: Uint8Array | null = null;
    server.on('update', (u: Uint8Array) => {
      seen = u;
    });
    for (let k = 0; k < 3000; k++) {
      Y.applyUpdate(server, a.updates[k]!);
      expect(lastKeystrokeIn(seen!, a, false)).toBe(k);
      expect(lastKeystrokeIn(seen!, b, false)).toBe(-1);
    }
  });

  it('finds the last keystroke of each client in a merged update (Hocuspocus 4 batching)', () => {
    for (let k = 0; k + 7 < 3000; k += 97) {
      const merged = Y.mergeUpdates([...a.updates.slice(k, k + 7), ...b.updates.slice(k, k + 3)]);
      expect(lastKeystrokeIn(merged, a, true)).toBe(k + 6);
      expect(lastKeystrokeIn(merged, b, true)).toBe(k + 2);
    }
  });
});
