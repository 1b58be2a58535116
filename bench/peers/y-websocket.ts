/**
 * Peer: the y-websocket reference server (`@y/websocket-server@0.1.1`) exactly as its own
 * `server.js` runs it (an http server, `ws` in noServer mode, `setupWSConnection`), with the
 * `ws` version that package ships, no persistence. Usage: `node bench/peers/y-websocket.ts --port N`.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { setupWSConnection } from '@y/websocket-server/utils';
import { announce, portArg } from './args.ts';

interface WsServer {
  handleUpgrade(
    req: http.IncomingMessage,
    socket: unknown,
    head: Buffer,
    cb: (ws: Parameters<typeof setupWSConnection>[0]) => void,
  ): void;
}
type WsModule = { Server: new (options: { noServer: boolean }) => WsServer };

const require = createRequire(import.meta.url);
const ws = createRequire(require.resolve('@y/websocket-server/utils'))('ws') as WsModule;
const port = portArg(process.argv);
const wss = new ws.Server({ noServer: true });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('okay');
});
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (conn) => setupWSConnection(conn, req));
});
server.listen(port, '127.0.0.1', () => announce(port));
