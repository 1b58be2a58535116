import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../protocol/index.ts';
import { createConnectionBudget } from './connection-budget.ts';
import { createDocumentLimits } from './document-limits.ts';
import { resolveLimits } from './settings.ts';

function edit(doc: Y.Doc, text: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('t').insert(doc.getText('t').length, text);
  return Y.encodeStateAsUpdate(doc, before);
}

describe('document limits', () => {
  it('[P22] an update that would grow the document past maxDocumentBytes is refused with 4413', () => {
    const limits = createDocumentLimits(resolveLimits({ maxDocumentBytes: 2000 }));
    const doc = new Y.Doc();
    const source = new Y.Doc();
    for (let i = 0; i < 100; i++) {
      const update = edit(source, 'x'.repeat(40));
      const refusal = limits.admitUpdate(doc, update);
      if (refusal) {
        expect(refusal.code).toBe(CloseCode.DOCUMENT_TOO_LARGE);
        expect(refusal.reason).toMatch(/maximum size/);
        expect(Y.encodeStateAsUpdate(doc).length + update.length).toBeGreaterThan(2000);
        return;
      }
      Y.applyUpdate(doc, update);
      expect(Y.encodeStateAsUpdate(doc).length).toBeLessThanOrEqual(2000);
      expect(limits.sizeEstimate(doc)).toBeGreaterThanOrEqual(Y.encodeStateAsUpdate(doc).length);
    }
    throw new Error('the limit was never reached');
  });

  it('[P22] a full document still accepts deletions', () => {
    const limits = createDocumentLimits(resolveLimits({ maxDocumentBytes: 300 }));
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'y'.repeat(280));
    expect(limits.admitUpdate(doc, edit(new Y.Doc(), 'z'.repeat(40)))).not.toBeNull();
    const before = Y.encodeStateVector(doc);
    const probe = new Y.Doc();
    Y.applyUpdate(probe, Y.encodeStateAsUpdate(doc));
    const sv = Y.encodeStateVector(probe);
    probe.getText('t').delete(0, 100);
    const deletion = Y.encodeStateAsUpdate(probe, sv);
    expect(deletion[0]).toBe(0);
    expect(limits.admitUpdate(doc, deletion)).toBeNull();
    expect(Y.encodeStateVector(doc)).toEqual(before);
  });

  it('[P22] inbound bytes are metered per document, not per caller', () => {
    let t = 0;
    const limits = createDocumentLimits(
      resolveLimits({ documentBytesPerSecond: 1000, documentByteBurst: 1000 }),
      () => t,
    );
    const a = new Y.Doc();
    const b = new Y.Doc();
    expect(limits.inbound(a, 600)).toBeNull();
    expect(limits.inbound(a, 600)).toMatchObject({ code: CloseCode.RATE_LIMITED });
    expect(limits.inbound(b, 600)).toBeNull();
    t += 1000;
    expect(limits.inbound(a, 600)).toBeNull();
  });
});

describe('connection budget', () => {
  it('[P22] message, byte and awareness rates each refuse with 4529 and a reason', () => {
    const t = 0;
    const settings = resolveLimits({
      messagesPerSecond: 1,
      messageBurst: 2,
      bytesPerSecond: 100,
      byteBurst: 100,
      awarenessPerSecond: 1,
      awarenessBurst: 1,
    });
    const budget = createConnectionBudget(settings, () => t);
    expect(budget.frame(10)).toBeNull();
    expect(budget.frame(10)).toBeNull();
    expect(budget.frame(10)?.reason).toMatch(/too many messages/);
    const bytes = createConnectionBudget(settings, () => t);
    expect(bytes.frame(90)).toBeNull();
    expect(bytes.frame(20)).toMatchObject({ code: CloseCode.RATE_LIMITED });
    expect(bytes.frame(20)?.reason).toMatch(/too many (bytes|messages)/);
    expect(budget.awareness()).toBeNull();
    expect(budget.awareness()?.reason).toMatch(/awareness/);
  });
});
