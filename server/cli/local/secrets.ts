import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateTicketKeys } from '../../auth/ticket.ts';

/**
 * The credentials of one local cluster (`npm start`), generated at its start so access control
 * is on by default (SECURITY.md): the cluster secret of the internal channel, an operator token
 * (`/ops`, node `/docs`) and the ticket key pair. Kept as files (mode 0600) in the cluster's
 * temporary directory, removed with it.
 */
export interface LocalSecrets {
  readonly dir: string;
  readonly clusterSecret: string;
  readonly operatorToken: string;
  readonly ticketPublicKeyFile: string;
  readonly ticketPrivateKeyFile: string;
}

const files = (dir: string) => ({
  clusterSecret: path.join(dir, 'cluster-secret'),
  operatorToken: path.join(dir, 'operator-token'),
  ticketPublicKeyFile: path.join(dir, 'ticket-public.pem'),
  ticketPrivateKeyFile: path.join(dir, 'ticket-private.pem'),
});

/** Generates fresh credentials into `dir` (created 0700). */
export async function createLocalSecrets(dir: string): Promise<LocalSecrets> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const at = files(dir);
  const keys = generateTicketKeys();
  const clusterSecret = randomBytes(32).toString('base64url');
  const operatorToken = randomBytes(32).toString('base64url');
  const write = (file: string, text: string) => writeFile(file, text, { mode: 0o600 });
  await Promise.all([
    write(at.clusterSecret, clusterSecret),
    write(at.operatorToken, operatorToken),
    write(at.ticketPublicKeyFile, keys.publicKey),
    write(at.ticketPrivateKeyFile, keys.privateKey),
  ]);
  return { dir, clusterSecret, operatorToken, ...pick(at) };
}

/** Reads the credentials a local cluster wrote into `dir`. Rejects when they are missing. */
export async function readLocalSecrets(dir: string): Promise<LocalSecrets> {
  const at = files(dir);
  const [clusterSecret, operatorToken] = await Promise.all([
    readFile(at.clusterSecret, 'utf8'),
    readFile(at.operatorToken, 'utf8'),
  ]);
  return { dir, clusterSecret, operatorToken, ...pick(at) };
}

const pick = (at: ReturnType<typeof files>) => ({
  ticketPublicKeyFile: at.ticketPublicKeyFile,
  ticketPrivateKeyFile: at.ticketPrivateKeyFile,
});

/** The environment a local node needs for `secrets` (`null`: the loopback development secret). */
export function nodeSecretEnv(secrets: LocalSecrets | null): Record<string, string> {
  return secrets
    ? {
        RINGDOC_CLUSTER_SECRET: secrets.clusterSecret,
        RINGDOC_OPERATOR_TOKEN: secrets.operatorToken,
      }
    : {};
}

/** The environment the local web app needs for `secrets` (`null`: access control off). */
export function webSecretEnv(secrets: LocalSecrets | null): Record<string, string> {
  return secrets
    ? {
        RINGDOC_TICKET_PRIVATE_KEY_FILE: secrets.ticketPrivateKeyFile,
        RINGDOC_OPERATOR_TOKEN: secrets.operatorToken,
        RINGDOC_CLUSTER_SECRET: secrets.clusterSecret,
      }
    : {};
}
