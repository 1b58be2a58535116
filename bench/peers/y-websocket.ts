/**
 * Peer: the y-websocket reference server (`@y/websocket-server@0.1.1`) exactly as its own
 * `server.js` runs it (an http server, `ws` in noServer mode, `setupWSConnection`), with the
 * `ws` version that package ships. Without `--data`: no persistence (as shipped). With
 * `--data DIR`: persisted into `y-leveldb@0.2.0` at DIR, bound the way the package's own
 * YPERSISTENCE code binds it (load the stored state, store every update as it happens). The
 * package's YPERSISTENCE would load its nested y-leveldb 0.1.x, hence `setPersistence` here.
 * Usage: `node bench/peers/y-websocket.ts --port N [--data DIR]`.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { setPersistence, setupWSConnection } from '@y/websocket-server/utils';
import * as Y from 'yjs';
import { announce, dataArg, portArg } from './args.ts';

interface WsServer {
  handleUpgrade(
    req: http.IncomingMessage,
    socket: unknown,
    head: Buffer,
    cb: (ws: Parameters<typeof setupWSConnection>[0]) => void,
  ): void;
}
type WsModule = { Server: new (options: { noServer: boolean }) => WsServer };
/** The part of y-leveldb 0.2.0 used here (its package ships no resolvable typings). */
interface Leveldb {
  getYDoc(docName: string): Promise<Y.Doc>;
  storeUpdate(docName: string, update: Uint8Array): Promise<number>;
}
type LeveldbModule = { LeveldbPersistence: new (location: string) => Leveldb };

const require = createRequire(import.meta.url);
const ws = createRequire(require.resolve('@y/websocket-server/utils'))('ws') as WsModule;
const port = portArg(process.argv);
if (process.argv.includes('--data')) {
  // ESM import, so y-leveldb shares this process's one copy of yjs.
  const yLeveldb = 'y-leveldb';
  const { LeveldbPersistence } = (await import(yLeveldb)) as LeveldbModule;
  const ldb = new LeveldbPersistence(dataArg(process.argv));
  setPersistence({
    provider: ldb,
    bindState: async (docName: string, ydoc: Y.Doc) => {
      const persisted = await ldb.getYDoc(docName);
      await ldb.storeUpdate(docName, Y.encodeStateAsUpdate(ydoc));
      Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(persisted));
      ydoc.on('update', (update: Uint8Array) => {
        void ldb.storeUpdate(docName, update);
      });
    },
    writeState: async () => {},
  });
}
const wss = new ws.Server({ noServer: true });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('okay');
});
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (conn) => setupWSConnection(conn, req));
});
server.listen(port, '127.0.0.1', () => announce(port));
