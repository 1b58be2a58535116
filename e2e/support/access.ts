import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from '@playwright/test';
import { generateTicketKeys } from '../../server/auth/ticket.ts';
import { type Cluster, startCluster } from '../../test/harness/cluster.ts';
import { createPortAllocator } from '../../test/harness/ports.ts';
import { EditorUser, expect } from './fixtures.ts';
import { startWebServer, type WebServer } from './web-server.ts';

/**
 * A cluster and web app of their own with access control on (tickets required; the shared
 * suite runs open): the web app signs tickets with a key pair generated here.
 */
export interface AccessControlled {
  readonly web: WebServer;
  /** A person with their own browser context on this web app. */
  person(browser: Browser, name: string): Promise<EditorUser>;
  /** Closes the contexts `person` opened. */
  closeContexts(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAccessControlled(): Promise<AccessControlled> {
  const keys = generateTicketKeys();
  const keyDir = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-e2e-keys-'));
  const publicKeyFile = path.join(keyDir, 'ticket-public.pem');
  await writeFile(publicKeyFile, keys.publicKey);
  let cluster: Cluster | undefined;
  let web: WebServer | undefined;
  try {
    cluster = await startCluster({
      nodes: 2,
      leaseTtl: 5,
      nodeArgs: ['--ticket-public-key', publicKeyFile],
    });
    web = await startWebServer({
      port: await createPortAllocator()(),
      etcd: cluster.etcd.endpoint,
      prefix: cluster.prefix,
      env: { RINGDOC_TICKET_PRIVATE_KEY: keys.privateKey },
    });
  } catch (error) {
    await cluster?.stop();
    await rm(keyDir, { recursive: true, force: true });
    throw error;
  }
  const started = web;
  const contexts: BrowserContext[] = [];
  return {
    web: started,
    async person(browser, name) {
      const context = await browser.newContext({ baseURL: started.url });
      contexts.push(context);
      await context.addInitScript((n) => window.localStorage.setItem('ringdoc:name', n), name);
      return new EditorUser(name, context, await context.newPage());
    },
    async closeContexts() {
      await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => {})));
    },
    async stop() {
      await started.stop();
      await cluster?.stop();
      await rm(keyDir, { recursive: true, force: true });
    },
  };
}

/** Creates a link with `perm` in the owner's share dialog and returns its URL. */
export async function createLink(owner: EditorUser, perm: 'edit' | 'view'): Promise<string> {
  const dialog = owner.page.getByTestId('share-dialog');
  if (!(await dialog.isVisible())) await owner.page.getByTestId('share-button').click();
  await dialog.getByTestId('share-perm').selectOption(perm);
  const url = dialog.getByTestId('share-url');
  const previous = (await url.count()) > 0 ? await url.inputValue() : null;
  await dialog.getByTestId('share-create').click();
  await expect(url).toHaveAttribute('data-perm', perm);
  await expect(url).toHaveValue(/#access=/);
  if (previous !== null) await expect(url).not.toHaveValue(previous);
  return url.inputValue();
}
