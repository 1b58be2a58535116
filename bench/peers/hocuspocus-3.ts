/**
 * Peer: `@hocuspocus/server@3.4.4` with its defaults and no extensions (no persistence).
 * Usage: `node bench/peers/hocuspocus-3.ts --port N`.
 */
import { Server } from '@hocuspocus/server';
import { announce, portArg } from './args.ts';

const port = portArg(process.argv);
const server = new Server({ port, address: '127.0.0.1', quiet: true, stopOnSignals: false });
await server.listen();
announce(port);
