import { encodePeerMessage, type StreamMessage } from './peer-protocol.ts';

/** What the opener of a forwarding stream hears (C10, PROTOCOL.md I8). */
export interface StreamHandlers {
  /** One client-protocol frame from the other end. */
  frame(frame: Uint8Array): void;
  /** The stream ended (closed by the other end, or its link was lost: 1006). Called once. */
  close(code: number, reason: string): void;
}

/** The opener's end of a forwarding stream. */
export interface PeerStream {
  /** Sends one client-protocol frame; dropped once the stream is closed. */
  send(frame: Uint8Array): void;
  /** Closes the stream (the other end hears it); the handlers hear nothing more. */
  close(code: number, reason: string): void;
}

/** One peer link's side of its streams: shared by the WebSocket pool and the simulated one. */
export interface LinkStreams {
  /** Opens stream `id` once the link is open; frames sent before are queued. */
  open(id: number, docId: string, epoch: number, handlers: StreamHandlers): PeerStream;
  /** Routes a stream message from the other end. */
  receive(message: StreamMessage): void;
  /** The link is gone: every stream hears close 1006. */
  lost(reason: string): void;
}

/**
 * Stream bookkeeping of one link: `ready` resolves when the link opened (rejects if it never
 * does), `send` writes bytes on it.
 */
export function createLinkStreams(
  ready: Promise<void>,
  send: (bytes: Uint8Array) => void,
): LinkStreams {
  const streams = new Map<number, StreamHandlers>();
  let isOpen = false;
  let gone: string | null = null;
  ready.then(
    () => {
      isOpen = true;
    },
    () => {},
  );
  const write = (message: StreamMessage) => send(encodePeerMessage(message));
  const end = (id: number, code: number, reason: string) => {
    const handlers = streams.get(id);
    if (!handlers) return;
    streams.delete(id);
    handlers.close(code, reason);
  };
  return {
    open(id, docId, epoch, handlers) {
      let closed = false;
      const queue: Uint8Array[] = [];
      streams.set(id, handlers);
      const start = () => {
        if (closed || !streams.has(id)) return;
        write({ kind: 'stream-open', id, epoch, docId });
        for (const frame of queue.splice(0)) write({ kind: 'stream-frame', id, frame });
      };
      if (gone !== null) {
        void Promise.resolve().then(() => end(id, 1006, gone ?? 'link lost'));
      } else if (isOpen) {
        start();
      } else {
        ready.then(start, () => {});
      }
      return {
        send(frame) {
          if (closed || !streams.has(id)) return;
          if (isOpen) write({ kind: 'stream-frame', id, frame });
          else queue.push(frame);
        },
        close(code, reason) {
          if (closed) return;
          closed = true;
          const known = streams.delete(id);
          if (known && isOpen) write({ kind: 'stream-close', id, code, reason });
        },
      };
    },
    receive(message) {
      if (message.kind === 'stream-frame') streams.get(message.id)?.frame(message.frame);
      else if (message.kind === 'stream-close') end(message.id, message.code, message.reason);
    },
    lost(reason) {
      gone = reason;
      for (const id of [...streams.keys()]) end(id, 1006, reason);
    },
  };
}
