import { describe, expect, it } from 'vitest';
import { webSocketOpener } from './socket.ts';
import { StubWebSocket } from './testing/fake-node.ts';

class ThrowingClose extends StubWebSocket {
  override close(): void {
    throw new Error('already closed');
  }
}

describe('webSocketOpener', () => {
  it('asks for array buffers, passes binary frames on, drops text frames with a note', () => {
    const stub = new ThrowingClose();
    const notes: string[] = [];
    const frames: number[][] = [];
    const events = { onOpen() {}, onMessage: (f: Uint8Array) => frames.push([...f]), onClose() {} };
    const socket = webSocketOpener(
      () => stub,
      (m) => notes.push(m),
    )('ws://x/doc/a', events);
    expect(stub.binaryType).toBe('arraybuffer');
    expect(socket.send(new Uint8Array([1]))).toBe(false);
    stub.readyState = 1;
    expect(socket.send(new Uint8Array([1]))).toBe(true);
    stub.onmessage?.({ data: new Uint8Array([3, 4]).buffer });
    stub.onmessage?.({ data: 'text' });
    expect(frames).toEqual([[3, 4]]);
    expect(notes).toEqual(['ignoring a non-binary frame']);
    expect(() => socket.close(1000, 'bye')).not.toThrow();
  });
});
