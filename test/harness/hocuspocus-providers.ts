import * as v4 from '@hocuspocus/provider';
import * as v3 from 'hocuspocus-provider-v3';
import WebSocket from 'ws';
import * as Y from 'yjs';

/** What the tests need of an unchanged `@hocuspocus/provider`, whatever its major version. */
export interface Provider {
  attach(): void;
  setAwarenessField(key: string, value: unknown): void;
  readonly synced: boolean;
  readonly hasUnsyncedChanges: boolean;
  readonly awareness: { getStates(): Map<number, Record<string, unknown>> } | null;
  destroy(): void;
}

export interface HocuspocusLib {
  socket(url: string): { destroy(): void };
  provider(socket: { destroy(): void }, name: string, document: Y.Doc): Provider;
}

const polyfill = WebSocket as unknown as typeof globalThis.WebSocket;

/** The provider versions the tests run, by version. */
export const HOCUSPOCUS_PROVIDERS: Record<string, HocuspocusLib> = {
  '4.8.0': {
    socket: (url) => new v4.HocuspocusProviderWebsocket({ url, WebSocketPolyfill: polyfill }),
    provider: (socket, name, document) =>
      new v4.HocuspocusProvider({
        websocketProvider: socket as v4.HocuspocusProviderWebsocket,
        name,
        document,
      }),
  },
  '3.4.4': {
    socket: (url) => new v3.HocuspocusProviderWebsocket({ url, WebSocketPolyfill: polyfill }),
    provider: (socket, name, document) =>
      new v3.HocuspocusProvider({
        websocketProvider: socket as v3.HocuspocusProviderWebsocket,
        name,
        document,
      }),
  },
};

/** A provider socket on a node's `/hocuspocus` path; `cleanups` gets its destroy. */
export function hocuspocusSocket(
  lib: HocuspocusLib,
  nodeUrl: string,
  cleanups: Array<() => void>,
): { destroy(): void } {
  const socket = lib.socket(`${nodeUrl}/hocuspocus`);
  cleanups.push(() => socket.destroy());
  return socket;
}

/** A provider of document `name` on `socket`, its presence named `user`. */
export function hocuspocusProvider(
  lib: HocuspocusLib,
  socket: { destroy(): void },
  name: string,
  user: string,
  cleanups: Array<() => void>,
) {
  const doc = new Y.Doc();
  const provider = lib.provider(socket, name, doc);
  provider.attach();
  provider.setAwarenessField('user', { name: user });
  cleanups.push(() => provider.destroy());
  return { doc, provider, text: () => doc.getText('t').toString() };
}
