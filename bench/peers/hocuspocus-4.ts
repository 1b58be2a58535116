/**
 * Peer: `@hocuspocus/server@4.7.0` (installed as the alias `hocuspocus-server-v4`) with its
 * defaults and no extensions. Its engines say Node >= 22; it runs on Node 20 (checked by the
 * benchmark, which prints `n/a` if it does not start). Usage: `node bench/peers/hocuspocus-4.ts --port N`.
 */
import { Server } from 'hocuspocus-server-v4';
import { announce, portArg } from './args.ts';

const port = portArg(process.argv);
const server = new Server({ port, address: '127.0.0.1', quiet: true, stopOnSignals: false });
await server.listen();
announce(port);
