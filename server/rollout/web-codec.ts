import { DEFAULT_WEB_THRESHOLDS, type WebHealthThresholds } from './web-health.ts';
import type { WebRollout, WebRolloutPhase } from './web-machine.ts';

const PHASES: ReadonlySet<WebRolloutPhase> = new Set([
  'starting',
  'observing',
  'promoting',
  'rolling-back',
  'succeeded',
  'rolled-back',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isUpstream = (v: unknown) =>
  isObject(v) &&
  typeof v.build === 'string' &&
  typeof v.url === 'string' &&
  (v.pid === null || Number.isInteger(v.pid));

/** The stored JSON of a web rollout. */
export function encodeWebRollout(r: WebRollout): string {
  return JSON.stringify(r);
}

/**
 * Parses a stored web rollout. Pure. Returns an `Error` naming the first wrong field for anything
 * else (another ringdoc version's record, a hand-edited key): the CLI refuses to drive it.
 */
export function parseWebRollout(text: string): WebRollout | Error {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return new Error('web rollout record is not JSON');
  }
  if (!isObject(raw)) return new Error('web rollout record is not an object');
  if (raw.version !== 1)
    return new Error(`unsupported web rollout version ${JSON.stringify(raw.version)}`);
  if (raw.kind !== 'web') return new Error('rollout record is not a web rollout');
  if (typeof raw.id !== 'string') return new Error('rollout id is not a string');
  if (!isUpstream(raw.from)) return new Error('rollout `from` is not an upstream');
  if (typeof raw.to !== 'string') return new Error('rollout `to` is not a build id');
  if (raw.toUpstream !== null && !isUpstream(raw.toUpstream))
    return new Error('rollout `toUpstream` is not an upstream');
  if (
    !Array.isArray(raw.shares) ||
    raw.shares.length === 0 ||
    !raw.shares.every((n) => Number.isInteger(n) && n >= 1 && n <= 100)
  ) {
    return new Error('rollout `shares` is not a list of percentages');
  }
  if (
    !Number.isInteger(raw.step) ||
    (raw.step as number) < 0 ||
    (raw.step as number) >= raw.shares.length
  )
    return new Error('rollout `step` is out of range');
  if (typeof raw.share !== 'number' || raw.share < 0 || raw.share > 100)
    return new Error('rollout `share` is not a percentage');
  if (typeof raw.protocolChange !== 'boolean')
    return new Error('rollout `protocolChange` is not a boolean');
  if (!PHASES.has(raw.phase as WebRolloutPhase))
    return new Error(`unknown rollout phase ${JSON.stringify(raw.phase)}`);
  if (typeof raw.paused !== 'boolean') return new Error('rollout `paused` is not a boolean');
  if (typeof raw.observeMs !== 'number') return new Error('rollout `observeMs` is not a number');
  if (!isObject(raw.thresholds)) return new Error('rollout `thresholds` is not an object');
  if (raw.reason !== null && typeof raw.reason !== 'string')
    return new Error('rollout `reason` is not a string');
  if (!Array.isArray(raw.events)) return new Error('rollout `events` is not a list');
  if (raw.health !== null && typeof raw.health !== 'string')
    return new Error('rollout `health` is not a string');
  // A record written before a threshold existed judges it by its default.
  return {
    ...(raw as unknown as WebRollout),
    thresholds: { ...DEFAULT_WEB_THRESHOLDS, ...(raw.thresholds as Partial<WebHealthThresholds>) },
  };
}
