import { describe, expect, it } from 'vitest';
import { addAccounts, TokenLedger } from './tokens.ts';

describe('TokenLedger', () => {
  it('counts a token lost mid-sequence even though later tokens arrived', () => {
    const ledger = new TokenLedger(10);
    for (let i = 0; i < 5; i++) ledger.send(i, 0);
    for (const k of [0, 1, 3, 4]) ledger.receive(k, 10);
    expect(ledger.account(0)).toMatchObject({
      sent: 5,
      delivered: 4,
      lost: 1,
      lostMidSequence: 1,
    });
  });

  it('counts duplicates per token and gives a latency only for the first reception', () => {
    const ledger = new TokenLedger(4);
    ledger.send(100, 0);
    expect(ledger.receive(0, 103)).toBe(3);
    expect(ledger.receive(0, 104)).toBe(-1);
    expect(ledger.receive(0, 105)).toBe(-1);
    expect(ledger.receive(2, 105)).toBe(-2);
    expect(ledger.account(0)).toMatchObject({ delivered: 1, duplicated: 2, lost: 0 });
  });

  it('a tail not yet delivered is lost but not mid-sequence', () => {
    const ledger = new TokenLedger(4);
    for (let i = 0; i < 3; i++) ledger.send(i, 0);
    ledger.receive(0, 5);
    expect(ledger.account(0)).toMatchObject({ lost: 2, lostMidSequence: 0 });
  });

  it('gives every token covered by a cumulative ACK its own ACK time, once', () => {
    const ledger = new TokenLedger(8);
    ledger.send(0, 0);
    ledger.send(1, 0);
    ledger.send(2, 1);
    const seen: [number, number][] = [];
    ledger.ackBelow(2, 10, (k, l) => seen.push([k, l]));
    ledger.ackBelow(2, 20, (k, l) => seen.push([k, l]));
    ledger.ackBelow(9, 30, (k, l) => seen.push([k, l]));
    expect(seen).toEqual([
      [0, 10],
      [1, 9],
      [2, 28],
    ]);
    expect(ledger.account(0).acked).toBe(2);
    expect(ledger.account(1)).toMatchObject({ sent: 1, acked: 1 });
  });

  it('accounts per step: tokens of other steps are not counted', () => {
    const ledger = new TokenLedger(8);
    ledger.send(0, 0);
    ledger.send(0, 1);
    ledger.receive(1, 1);
    expect(ledger.account(0)).toMatchObject({ sent: 1, lost: 1, lostMidSequence: 1 });
    expect(ledger.account(1)).toMatchObject({ sent: 1, delivered: 1, lost: 0 });
  });

  it('refuses to send beyond its capacity', () => {
    const ledger = new TokenLedger(1);
    ledger.send(0, 0);
    expect(() => ledger.send(0, 0)).toThrow(/beyond/);
  });

  it('adds accounts', () => {
    const a = { sent: 2, delivered: 1, lost: 1, lostMidSequence: 1, duplicated: 0, acked: 2 };
    expect(addAccounts([a, a])).toEqual({
      sent: 4,
      delivered: 2,
      lost: 2,
      lostMidSequence: 2,
      duplicated: 0,
      acked: 4,
    });
  });
});
