import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import WebSocket from 'ws';
import { createTicketSigner } from '../auth/ticket.ts';
import { DEVELOPMENT_CLUSTER_SECRET } from '../config.ts';
import { HistoryClient, type HistorySocket } from '../history/client.ts';
import { readBlocks, toHtml, toMarkdown } from '../history/content.ts';
import { findVersion, summarize, type VersionSummary, versionDoc } from '../history/versions.ts';
import { httpBaseOf, postMeta } from '../meta/link-lookup.ts';
import { type Permission, ProtocolError, parseDocId } from '../protocol/index.ts';
import { option, type ParsedArgs, positionals } from './args.ts';
import { readMembers } from './cluster-reader.ts';
import { type CommandContext, withEtcd, writeJson } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import { routeFromMembers } from './owner-command.ts';
import { formatTable } from './table.ts';

export const HISTORY_USAGE =
  'ringdoc history <docId> [--export <version> --format markdown|html] [--ticket-key <pem file>] [--json]';
export const RESTORE_USAGE =
  'ringdoc restore <docId> <version> [--by <name>] [--ticket-key <pem file>] [--json]';

/** How long a history command waits for the document's owner. */
const CONNECT_TIMEOUT_MS = 15_000;

function checkDocId(docId: string): void {
  try {
    parseDocId(docId);
  } catch (error) {
    if (error instanceof ProtocolError)
      throw new UsageError(`invalid document id: ${error.reason}`);
    throw error;
  }
  if (docId.includes('/')) throw new UsageError('give the document id, not a sub-room');
}

/**
 * The web app's ticket key (PKCS#8 PEM) when access control is on: `--ticket-key <file>`, else
 * `$RINGDOC_TICKET_PRIVATE_KEY`, else the file `$RINGDOC_TICKET_PRIVATE_KEY_FILE`; `null` when
 * none is set (nodes without access control need no ticket).
 */
async function ticketKey(
  args: ParsedArgs,
  env: CommandContext['io']['env'],
): Promise<string | null> {
  const file = option(args, 'ticket-key', '') || env.RINGDOC_TICKET_PRIVATE_KEY_FILE || '';
  if (env.RINGDOC_TICKET_PRIVATE_KEY && !option(args, 'ticket-key', ''))
    return env.RINGDOC_TICKET_PRIVATE_KEY;
  if (!file) return null;
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the ticket key ${file}: ${(error as Error).message}`);
  }
}

/** A synced client of `docId`'s history on its owner (found from etcd's members, R1). */
async function openHistory(
  docId: string,
  args: ParsedArgs,
  context: CommandContext,
  perm: Permission,
): Promise<HistoryClient> {
  const list = await withEtcd(context, (session) => readMembers(session));
  const key = await ticketKey(args, context.io.env);
  const signer = key ? await createTicketSigner({ privateKey: key }) : null;
  // Nodes accept only tickets of live links the document keeps (P21, PROTOCOL K3): the command
  // adds a link of its own to the document's metadata on its owner (cluster secret) for the
  // length of the command, and revokes it when it is done.
  const linkId = `cli-${randomBytes(9).toString('base64url')}`;
  const page = parseDocId(docId).routingKey;
  const clusterSecret = context.io.env.RINGDOC_CLUSTER_SECRET || DEVELOPMENT_CLUSTER_SECRET;
  const ownerBase = () => {
    // The public URL: where the command reaches the owner's WebSocket too.
    const route = routeFromMembers(list.members, list.revision, page, 1);
    if (!route.url) throw new CliError('the ring is empty');
    return httpBaseOf(route.url);
  };
  const writeLink = async (revoked: boolean) => {
    const node = { base: ownerBase(), clusterSecret };
    const { status, body } = revoked
      ? await postMeta(node, page, 'link.revoke', { id: linkId })
      : await postMeta(node, page, 'link.create', {
          id: linkId,
          perm,
          secretHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
        });
    if (status === 404) {
      throw new CliError(`${page} has no index entry: it was never created through the web app`);
    }
    if (status !== 200 && status !== 201) {
      throw new CliError(
        `the owner of ${page} refused the command's link: ${status} ${String(body.error ?? '')}`,
      );
    }
  };
  if (signer) await writeLink(false);
  const client = new HistoryClient({
    docId,
    resolveUrl: async () => {
      const route = routeFromMembers(list.members, list.revision, docId, 1);
      if (!route.url) throw new Error('the ring is empty');
      return route.url;
    },
    createSocket: (url) => new WebSocket(url) as unknown as HistorySocket,
    ...(signer ? { ticket: async () => (await signer.sign({ docId, perm, linkId })).ticket } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ready(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)),
          CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    client.close();
    if (signer) await writeLink(true).catch(() => {});
    throw new CliError(`cannot read the history of ${docId}: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  if (signer) {
    const close = client.close.bind(client);
    client.close = () => {
      close();
      void writeLink(true).catch(() => {});
    };
  }
  return client;
}

/** The human form of `ringdoc history`. Pure. */
export function renderHistory(docId: string, versions: readonly VersionSummary[]): string {
  if (versions.length === 0) return `${docId}: no versions yet\n`;
  return formatTable(
    [
      { header: '#' },
      { header: 'ID' },
      { header: 'TIME (UTC)' },
      { header: 'KIND' },
      { header: 'NAME / WHY' },
      { header: 'AUTHORS' },
      { header: 'BYTES' },
    ],
    versions.map((v) => [
      String(v.number),
      v.id,
      new Date(v.at).toISOString().replace('T', ' ').slice(0, 19),
      v.kind,
      v.name || v.label || '-',
      v.authors.join(', ') || '-',
      String(v.bytes),
    ]),
  );
}

/** `ringdoc history <docId>`: the versions of a document, or one version exported. */
export async function runHistory(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [docId] = positionals(args, ['docId']) as [string];
  checkDocId(docId);
  const exportRef = option(args, 'export', '');
  const format = option(args, 'format', 'markdown');
  if (format !== 'markdown' && format !== 'html') {
    throw new UsageError('--format must be markdown or html');
  }
  const client = await openHistory(docId, args, context, 'view');
  try {
    const records = client.versions();
    if (exportRef) {
      const found = findVersion(records, exportRef);
      if (!found) throw new CliError(`${docId} has no version ${JSON.stringify(exportRef)}`);
      const doc = versionDoc(records, found.index);
      const blocks = readBlocks(doc);
      doc.destroy();
      const text = format === 'html' ? `${toHtml(blocks)}\n` : toMarkdown(blocks);
      if (context.json) writeJson(context.io, { docId, version: found.record.id, format, text });
      else context.io.out(text);
      return 0;
    }
    const versions = summarize(records);
    if (context.json) writeJson(context.io, { docId, versions });
    else context.io.out(renderHistory(docId, versions));
    return 0;
  } finally {
    client.close();
  }
}

/** `ringdoc restore <docId> <version>`: writes a version back as a new change (W6). */
export async function runRestore(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [docId, version] = positionals(args, ['docId', 'version']) as [string, string];
  checkDocId(docId);
  const by = option(args, 'by', 'ringdoc restore');
  const client = await openHistory(docId, args, context, 'edit');
  try {
    const reply = await client.request('restore', { version, by });
    if (!reply.ok) {
      throw new CliError(`refused (${reply.code ?? '?'}): ${reply.reason ?? 'no reason given'}`);
    }
    if (context.json) writeJson(context.io, { docId, ...reply.result });
    else {
      const result = reply.result ?? {};
      const before = typeof result.before === 'string' ? result.before : null;
      context.io.out(
        `restored ${docId} to version ${version} (${String(result.restored)})${before ? `; the state before is kept as ${before}` : ''}\n`,
      );
    }
    return 0;
  } finally {
    client.close();
  }
}
