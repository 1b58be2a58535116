import path from 'node:path';
import { findFreePort } from '../../ring/testing/free-port.ts';
import { numberOption, option, type ParsedArgs } from './args.ts';
import { readMembers } from './cluster-reader.ts';
import { type CommandContext, withEtcd, writeJson } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import { nextNodeId, startLocalNode } from './local/node.ts';
import { readLocalSecrets } from './local/secrets.ts';
import { readState, writeState } from './local/state.ts';

export const NODE_ADD_USAGE = 'ringdoc node add [--id n4] [--port <port>] [--json]';

/**
 * `ringdoc node add`: starts one more `ringdoc node` process in the running local cluster
 * (`npm start`): next free id `n<k>` and free port unless given, data under the cluster's
 * temporary directory, log in its log folder, guarded like the launcher's own nodes and stopped
 * with them. Waits until the node is ready, then records it in the state file. Fails when no
 * local cluster runs, or when the id is already registered.
 */
export async function runNodeAdd(args: ParsedArgs, context: CommandContext): Promise<number> {
  const local = context.local;
  if (!local) {
    throw new CliError(
      `no local cluster is running (state file ${context.stateFile}): start one with \`npm start\`, or run a node yourself with \`ringdoc node --id … --port … --etcd … --data …\``,
    );
  }
  const list = await withEtcd(context, (session) => readMembers(session));
  const registered = new Set(list.members.map((m) => m.id));
  const id = option(args, 'id', nextNodeId([...registered, ...local.nodes.map((n) => n.id)]));
  if (registered.has(id)) throw new CliError(`member ${id} is already registered`);
  if (local.nodes.some((n) => n.id === id)) {
    throw new UsageError(`${id} was already used in this local cluster; pick another --id`);
  }
  const port =
    numberOption(args, 'port', undefined, 1) ??
    (await findFreePort(new Set(local.nodes.map((n) => n.port))));
  const { state: node } = await startLocalNode(
    {
      id,
      port,
      etcd: context.target.endpoints.join(','),
      prefix: context.target.prefix,
      dataDir: path.join(local.root, id),
      leaseTtl: local.leaseTtl,
      logFile: path.join(local.logDir, `${id}.log`),
      secrets: local.secretsDir ? await readLocalSecrets(local.secretsDir) : null,
    },
    { ownerPid: local.launcherPid },
  );
  const latest = (await readState(context.stateFile)) ?? local;
  await writeState(context.stateFile, { ...latest, nodes: [...latest.nodes, node] });
  if (context.json) writeJson(context.io, node);
  else context.io.out(`started ${id} on ${node.url} (pid ${node.pid}, log ${node.log})\n`);
  return 0;
}
