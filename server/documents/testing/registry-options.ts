import { createMetricsRegistry } from '../../http/metrics.ts';
import { createSilentLogger } from '../../log.ts';
import { createNodeMetrics } from '../../node-metrics.ts';
import type { DocStore } from '../../persistence/store.ts';
import { createManualClock } from '../../testing/manual-clock.ts';
import type { RegistryOptions } from '../registry.ts';
import { createMemoryBroadcaster } from './memory-transport.ts';

/** Registry options for unit tests: memory broadcaster, silent log, manual clock; `extra` wins. */
export function testRegistryOptions(
  store: DocStore,
  extra: Partial<RegistryOptions> = {},
): RegistryOptions {
  return {
    store,
    broadcaster: createMemoryBroadcaster(),
    log: createSilentLogger(),
    metrics: createNodeMetrics(createMetricsRegistry()),
    clock: createManualClock(),
    heapUsed: () => 0,
    maxAwarenessBytes: 65536,
    idleUnloadMs: 10,
    encodedCacheBytes: 1 << 20,
    heapHighWaterBytes: Number.MAX_SAFE_INTEGER,
    onRoomFault: () => {},
    ...extra,
  };
}
