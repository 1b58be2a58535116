import { describe, expect, it } from 'vitest';
import {
  encodeAck,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '../protocol/index.ts';
import { createAckMeter } from './ack-meter.ts';

describe('ack latency of a session, from its frames', () => {
  it('reports each content message from its arrival to the cumulative ACK that covers it', () => {
    let t = 0;
    const seen: number[] = [];
    const meter = createAckMeter(
      () => t,
      (s) => seen.push(s),
    );
    meter.clientFrame(encodeSyncStep1(new Uint8Array([0])));
    meter.clientFrame(encodeSyncStep2(new Uint8Array([0, 0])));
    t = 10;
    meter.clientFrame(encodeSyncUpdate(new Uint8Array([1])));
    meter.clientFrame(encodeAwareness(new Uint8Array([0])));
    t = 30;
    meter.serverFrame(encodeAck(1));
    expect(seen).toEqual([0.03]);
    t = 300;
    meter.clientFrame(encodeSyncUpdate(new Uint8Array([2])));
    t = 310;
    meter.serverFrame(encodeAck(3));
    expect(seen).toEqual([0.03, 0.3, 0.01]);
    meter.serverFrame(encodeAck(3));
    expect(seen).toHaveLength(3);
  });

  it('ignores an ACK beyond what the client sent and bounds what it remembers', () => {
    let t = 0;
    const seen: number[] = [];
    const meter = createAckMeter(
      () => t,
      (s) => seen.push(s),
      2,
    );
    meter.serverFrame(encodeAck(5));
    for (let i = 0; i < 4; i++) meter.clientFrame(encodeSyncUpdate(new Uint8Array([i])));
    t = 100;
    meter.serverFrame(encodeAck(4));
    expect(seen).toEqual([0.1, 0.1]);
  });
});
