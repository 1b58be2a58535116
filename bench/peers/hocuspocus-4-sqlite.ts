/**
 * Durable peer: `@hocuspocus/server@4.7.0` with `@hocuspocus/extension-sqlite@4.7.0` (installed
 * as the alias `hocuspocus-extension-sqlite-v4`, on `better-sqlite3`) storing into
 * `--data <dir>/hocuspocus.sqlite`, defaults otherwise.
 * Usage: `node bench/peers/hocuspocus-4-sqlite.ts --port N --data DIR`.
 */
import path from 'node:path';
import { SQLite } from 'hocuspocus-extension-sqlite-v4';
import { Server } from 'hocuspocus-server-v4';
import { announce, dataArg, portArg } from './args.ts';

const port = portArg(process.argv);
const database = path.join(dataArg(process.argv), 'hocuspocus.sqlite');
const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  stopOnSignals: false,
  // The extension is built against its own nested @hocuspocus/server 4.7.0 types.
  extensions: [new SQLite({ database }) as never],
});
await server.listen();
announce(port);
