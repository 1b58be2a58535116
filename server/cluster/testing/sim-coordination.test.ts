import { createKeyspace } from '../../../ring/index.ts';
import { waitUntil } from '../../../ring/testing/wait.ts';
import { describeCoordinationContract } from '../../coordination/coordination.contract.ts';
import { createSilentLogger } from '../../log.ts';
import { createPrng } from './prng.ts';
import { createSimClock } from './sim-clock.ts';
import { createSimCoordination } from './sim-coordination.ts';
import { createSimMembership } from './sim-membership.ts';

// The simulated etcd on real timers: its delays (0–400 ms) pass in real time here.
describeCoordinationContract('simulation', async () => {
  const clock = createSimClock();
  const prng = createPrng(7);
  const membership = createSimMembership({ clock, prng, vnodes: 16, trace: () => {} });
  const keys = createKeyspace();
  let n = 0;
  return {
    make: () =>
      createSimCoordination({
        id: `s${++n}`,
        membership,
        clock,
        prng: prng.fork(`node-${n}`),
        log: createSilentLogger(),
        trace: () => {},
      }),
    putSetting: async (name, value) => membership.kv.put(keys.configKey(name), value),
    requestDrain: async (id) => membership.kv.put(keys.drainRequestKey(id), '{}'),
    until: (what, probe) => waitUntil(what, probe, 5000, 5),
    cleanup: async () => {},
  };
});
