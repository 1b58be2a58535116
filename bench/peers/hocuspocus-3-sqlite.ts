/**
 * Durable peer: `@hocuspocus/server@3.4.4` with `@hocuspocus/extension-sqlite@3.4.4` (on
 * `sqlite3`) storing into `--data <dir>/hocuspocus.sqlite`, its defaults otherwise (the
 * extension stores debounced: 2 s after the last change, at most 10 s).
 * Usage: `node bench/peers/hocuspocus-3-sqlite.ts --port N --data DIR`.
 */
import path from 'node:path';
import { SQLite } from '@hocuspocus/extension-sqlite';
import { Server } from '@hocuspocus/server';
import { announce, dataArg, portArg } from './args.ts';

const port = portArg(process.argv);
const database = path.join(dataArg(process.argv), 'hocuspocus.sqlite');
const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  stopOnSignals: false,
  extensions: [new SQLite({ database })],
});
await server.listen();
announce(port);
