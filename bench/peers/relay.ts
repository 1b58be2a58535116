/**
 * Physical floor: a bare uWebSockets.js relay with no Yjs, no storage and no protocol checks.
 * `/doc/<id>`: SyncStep1 is answered with an empty SyncStep2 (so a client counts as synced);
 * every other message is published as-is to the document's other sockets (what the fastest
 * possible y-websocket-compatible server would do). `/redirect/<id>`: sends one small frame
 * and closes with 4300 (the bare cost of a redirect hop). Any message on `/echo/<id>` is sent
 * back. Usage: `node bench/peers/relay.ts --port N`.
 */
import { loadNativeUws } from '../../server/transport/uws-native.ts';
import { announce, portArg } from './args.ts';

interface Data {
  path: string;
}

const uws = loadNativeUws();
const port = portArg(process.argv);
const STEP2 = new Uint8Array([0, 1, 2, 0, 0]);
const REDIRECT = new Uint8Array([18, 2, 123, 125]);

uws
  .App()
  .ws<Data>('/*', {
    maxPayloadLength: 16 * 1024 * 1024,
    idleTimeout: 60,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      res.upgrade<Data>(
        { path: req.getUrl() },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const { path } = ws.getUserData();
      if (path.startsWith('/redirect/')) {
        ws.send(REDIRECT, true);
        ws.end(4300, 'redirect');
        return;
      }
      if (path.startsWith('/doc/')) ws.subscribe(path);
    },
    message: (ws, message) => {
      const { path } = ws.getUserData();
      if (path.startsWith('/echo/')) {
        ws.send(message, true);
        return;
      }
      const bytes = new Uint8Array(message);
      if (bytes[0] === 0 && bytes[1] === 0) {
        ws.send(STEP2, true);
        return;
      }
      ws.publish(path, message, true);
    },
  })
  .listen('127.0.0.1', port, (socket) => {
    if (!socket) {
      process.stderr.write(`relay: cannot listen on ${port}\n`);
      process.exit(1);
    }
    announce(port);
  });
