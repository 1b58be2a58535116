import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_PROCESS_FLAGS } from '../../server/node/process-env.ts';
import { type Cluster, startCluster } from '../harness/cluster.ts';

/**
 * The node options every node ships with (`NODE_PROCESS_FLAGS`, issue 14): a node started as
 * shipped runs with them and says nothing; one started without them still runs, and its log
 * says what it lacks and how to start it.
 */
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ nodes: 1, leaseTtl: 5 });
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

const WARNING =
  /started without node options --max-semi-space-size=64: longer garbage-collection pauses under load \(start it as `node --max-semi-space-size=64 bin\/ringdoc\.mjs node …`\)/;

describe('node options (issue 14)', () => {
  it('a node started as shipped runs with them; one started without them says so and serves anyway', async () => {
    const shipped = cluster.node('n1');
    const argv = (await readFile(`/proc/${shipped.pid}/cmdline`, 'utf8')).split('\0');
    expect(argv.slice(1, 1 + NODE_PROCESS_FLAGS.length)).toEqual(NODE_PROCESS_FLAGS);
    expect(shipped.output()).not.toMatch(/started without node options/);

    const bare = await cluster.addNode('n2', { nodeFlags: [] });
    expect(bare.output()).toMatch(WARNING);
    await cluster.waitForRing(['n1', 'n2'], 30_000);
    expect((await fetch(`${bare.httpUrl}/readyz`)).status).toBe(200);
  }, 60_000);
});
