import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkRingdocArgs,
  dockerIgnored,
  dockerInstructions,
  parseYaml,
  REPO_ROOT,
  readKubernetes,
  validateCompose,
  validateDeploy,
  validateDockerfile,
  validateKubernetes,
} from '../../scripts/validate-deploy.ts';
import { isWebBuilt } from '../../server/cli/local/web.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';
import { waitFor } from '../harness/node-process.ts';
import { createPortAllocator } from '../harness/ports.ts';

const BIN = path.join(REPO_ROOT, 'bin/ringdoc.mjs');
const read = (file: string) => readFile(path.join(REPO_ROOT, file), 'utf8');
type Json = Record<string, unknown>;

describe('deploy files (no Docker engine here: schemas and structure)', () => {
  it('the Dockerfile, docker-compose.yml and the Kubernetes manifests pass every check', async () => {
    expect(await validateDeploy()).toEqual([]);
  });

  it('the Dockerfile checks catch a root user, another base, a missing source and a bad instruction', async () => {
    const good = await read('Dockerfile');
    const check = (text: string) => validateDockerfile(text, REPO_ROOT, []);
    expect(await check(good)).toEqual([]);
    expect(await check(good.replace('USER node', 'USER root'))).toContain(
      'the runtime stage must switch to a non-root USER',
    );
    expect(
      (
        await check(good.replace('ARG NODE_IMAGE=node:20-bookworm-slim', 'ARG NODE_IMAGE=node:22'))
      ).join(),
    ).toMatch(/base image node:22 is neither/);
    expect((await check(good.replace('COPY bin ./bin', 'COPY binn ./bin'))).join()).toMatch(
      /COPY source binn does not exist/,
    );
    expect((await check(good.replace('COPY bin ./bin', 'COPPY bin ./bin'))).join()).toMatch(
      /line \d+: .*COPPY/i,
    );
    expect(
      (await check(good.replace(/^ENTRYPOINT .*$/m, 'ENTRYPOINT node bin/ringdoc.mjs'))).join(),
    ).toMatch(/ENTRYPOINT must be the exec form/);
    expect(
      (await check(good.replace('MALLOC_ARENA_MAX=1 ', 'MALLOC_ARENA_MAX=4 '))).join(),
    ).toMatch(/must set ENV MALLOC_ARENA_MAX=1/);
    expect(
      dockerIgnored(['**/node_modules', 'web/.next', '!web/.next/keep'], 'a/node_modules/x'),
    ).toBe(true);
    expect(
      dockerIgnored(['**/node_modules', 'web/.next', '!web/.next/keep'], 'web/.next/keep'),
    ).toBe(false);
    expect(dockerIgnored(['web/.next'], 'web/app')).toBe(false);
    expect(dockerInstructions('FROM a AS b\n# c\nRUN x \\\n  y\n')).toEqual([
      { keyword: 'FROM', args: 'a AS b', line: 1 },
      { keyword: 'RUN', args: 'x  y', line: 3 },
    ]);
  });

  it('the Compose checks catch schema errors and a broken topology', async () => {
    const good = await read('docker-compose.yml');
    expect(await validateCompose(good)).toEqual([]);
    expect(
      (
        await validateCompose(good.replace('stop_grace_period: 30s', 'stop_grace_periode: 30s'))
      ).join(),
    ).toMatch(
      /schema: \/services\/node\d must NOT have additional properties \(stop_grace_periode\)/,
    );
    expect(
      await validateCompose(good.replace('ports: ["4002:4002"]', 'ports: ["4009:4009"]')),
    ).toContain('node2: node port 4002 is not published (browsers connect to nodes directly)');
    expect(
      await validateCompose(good.replace(/"--port",(\s*)"4003"/, '"--prot",$1"4003"')),
    ).toContain('node3: ringdoc node: unknown option --prot');
    expect(
      (
        await validateCompose(good.replace(/etcd3=http:\/\/etcd3:2380/, 'etcd3=http://etcd9:2380'))
      ).join(),
    ).toMatch(/etcd3: not in ETCD_INITIAL_CLUSTER/);
  });

  it('the Kubernetes checks catch schema errors, typos, wrong probes and a missing drain', async () => {
    const { objects } = readKubernetes(REPO_ROOT, path.join(REPO_ROOT, 'deploy/kubernetes'));
    const kinds = objects.map((o) => `${o.doc.kind}/${(o.doc.metadata as Json).name}`).sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'StatefulSet/ringdoc-node',
        'PodDisruptionBudget/ringdoc-node',
        'StatefulSet/etcd',
        'Deployment/ringdoc-web',
        'Service/ringdoc-node',
      ]),
    );
    const mutate = async (edit: (nodes: Json) => void) => {
      const copy = structuredClone(objects);
      const sts = copy.find(
        (o) => o.doc.kind === 'StatefulSet' && (o.doc.metadata as Json).name === 'ringdoc-node',
      );
      edit(sts?.doc as Json);
      return (await validateKubernetes(copy)).map((p) => p.message).join('\n');
    };
    const container = (doc: Json) =>
      ((((doc.spec as Json).template as Json).spec as Json).containers as Json[])[0] as Json;
    expect(await mutate(() => {})).toBe('');
    expect(
      await mutate((d) => {
        (d.spec as Json).replicas = 'three';
      }),
    ).toMatch(/StatefulSet ringdoc-node: .*replicas must be integer/);
    expect(
      await mutate((d) => {
        container(d).imagePullPolicyy = 'Always';
      }),
    ).toMatch(/unknown field imagePullPolicyy/);
    expect(
      await mutate((d) => {
        ((container(d).readinessProbe as Json).httpGet as Json).path = '/healthz';
      }),
    ).toMatch(/readinessProbe must be GET \/readyz/);
    expect(
      await mutate((d) => {
        delete container(d).lifecycle;
      }),
    ).toMatch(/preStop must run `ringdoc drain`/);
    expect(
      await mutate((d) => {
        (((d.spec as Json).template as Json).spec as Json).terminationGracePeriodSeconds = 60;
      }),
    ).toMatch(/terminationGracePeriodSeconds \(60\) must exceed the drain timeout \(100\)/);
    expect(
      await mutate((d) => {
        (d.spec as Json).volumeClaimTemplates = [];
      }),
    ).toMatch(/no volumeClaimTemplates/);
  });

  it('ringdoc command lines must use known commands and options', async () => {
    expect(await checkRingdocArgs(['node', '--id=$(POD_NAME)', '--port', '4001'])).toEqual([]);
    expect(await checkRingdocArgs(['drain', 'n1', '--timeout', '100'])).toEqual([]);
    expect(await checkRingdocArgs(['node', '--idd', 'x'])).toEqual([
      'ringdoc node: unknown option --idd',
    ]);
    expect(await checkRingdocArgs(['serve'])).toEqual(['unknown ringdoc command "serve"']);
  });
});

describe('the deploy files’ command lines run here (loopback instead of container networking)', () => {
  let cluster: Cluster | null = null;
  let scratch = '';
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cluster?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  function run(command: string, args: string[], env: Record<string, string>) {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    return { child, exited, output: () => output };
  }

  const within = <T>(what: string, p: Promise<T>, ms: number) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`timed out: ${what}`)), ms),
      ),
    ]);

  it('compose’s node command starts a node; the Dockerfile HEALTHCHECK sees it; the Kubernetes preStop drains it; compose’s web command serves', async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'ringdoc-deploy-test-'));
    // compose's default cluster secret, shared by the test nodes (none would refuse to start).
    const secret = 'change-me-ringdoc-compose';
    cluster = await startCluster({ nodes: 2, nodeEnv: { RINGDOC_CLUSTER_SECRET: secret } });
    const nextPort = createPortAllocator();
    const env = {
      RINGDOC_CLUSTER_SECRET: secret,
      RINGDOC_ETCD: cluster.etcd.endpoint,
      RINGDOC_PREFIX: cluster.prefix,
      RINGDOC_STATE_FILE: path.join(scratch, 'no-local-cluster.json'),
      RINGDOC_LOG_LEVEL: 'warn',
    };

    // docker-compose.yml's node1, with container names and ports mapped to loopback.
    const [compose] = parseYaml(await read('docker-compose.yml')) as [
      { services: Record<string, { command: string[] }> },
    ];
    const port = await nextPort();
    const original = compose.services.node1?.command ?? [];
    const nodeArgs = original.map((arg, i) => {
      const previous = original[i - 1];
      if (previous === '--id') return 'c1';
      if (previous === '--port') return String(port);
      if (previous === '--host') return '127.0.0.1';
      if (previous === '--data') return path.join(scratch, 'c1');
      if (previous === '--public-url' || previous === '--internal-url')
        return `ws://127.0.0.1:${port}`;
      return arg;
    });
    expect(nodeArgs.filter((a) => a.startsWith('--'))).toEqual([
      '--id',
      '--port',
      '--host',
      '--data',
      '--public-url',
      '--internal-url',
    ]);
    const node = run(process.execPath, [BIN, ...nodeArgs], env);
    await waitFor(
      'the compose node ready',
      async () => {
        if (node.child.exitCode !== null) throw new Error(node.output());
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
      },
      30_000,
    );
    await cluster.waitForRing(['c1', 'n1', 'n2']);

    // The Dockerfile's HEALTHCHECK, as Docker would run it inside the container.
    const healthcheck = /^HEALTHCHECK [^\n]*?\\\n\s*CMD (\[.*\])$/m.exec(
      await read('Dockerfile'),
    )?.[1];
    expect(healthcheck).toBeDefined();
    const [hcCommand, ...hcArgs] = JSON.parse(healthcheck as string) as string[];
    expect(hcCommand).toBe('node');
    const healthy = run(process.execPath, hcArgs, {
      RINGDOC_HEALTH_URL: `http://127.0.0.1:${port}/healthz`,
    });
    expect(await within('healthcheck', healthy.exited, 20_000)).toBe(0);
    const closedPort = await nextPort();
    const unhealthy = run(process.execPath, hcArgs, {
      RINGDOC_HEALTH_URL: `http://127.0.0.1:${closedPort}/healthz`,
    });
    expect(await within('healthcheck', unhealthy.exited, 20_000)).toBe(1);

    // The Kubernetes preStop hook (the image's /app is the repository here).
    const statefulSet = (
      parseYaml(await read('deploy/kubernetes/ringdoc/nodes.yaml')) as Json[]
    ).find((d) => d.kind === 'StatefulSet');
    const pod = ((statefulSet?.spec as Json | undefined)?.template as Json | undefined)?.spec as
      | Json
      | undefined;
    const container = (pod?.containers as Json[] | undefined)?.[0];
    const preStop = ((container?.lifecycle as Json | undefined)?.preStop as Json | undefined)
      ?.exec as { command: string[] } | undefined;
    if (!preStop) throw new Error('nodes.yaml has no preStop exec command');
    const [shell, ...shellArgs] = preStop.command.map((a) => a.replace('/app/', `${REPO_ROOT}/`));
    const drain = run(shell as string, shellArgs, { ...env, POD_NAME: 'c1' });
    expect(await within(`preStop drain:\n${drain.output()}`, drain.exited, 60_000)).toBe(0);
    expect(drain.output()).toMatch(/^c1 drained: left the ring after/m);
    expect(await within('the drained node exits', node.exited, 30_000)).toBe(0);

    // docker-compose.yml's web command.
    if (!isWebBuilt()) {
      console.warn('[deploy.test] web/.next is absent: `ringdoc web` not started');
      return;
    }
    const webPort = await nextPort();
    const webArgs = (compose.services.web?.command ?? []).map((arg, i, all) =>
      all[i - 1] === '--host' ? '127.0.0.1' : all[i - 1] === '--port' ? String(webPort) : arg,
    );
    const web = run(process.execPath, [BIN, ...webArgs], env);
    await waitFor(
      'ringdoc web answering /api/route (public; /api/ring is operators only)',
      async () => {
        if (web.child.exitCode !== null) throw new Error(web.output());
        const url = `http://127.0.0.1:${webPort}/api/route/readiness-probe`;
        return (await fetch(url)).status === 200;
      },
      60_000,
    );
    web.child.kill('SIGTERM');
    expect(await within('ringdoc web stops on SIGTERM', web.exited, 20_000)).toBe(0);
  }, 180_000);
});
