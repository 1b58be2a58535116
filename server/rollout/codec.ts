import type { NodeRollout, RolloutPhase } from './machine.ts';

const PHASES: ReadonlySet<RolloutPhase> = new Set([
  'upgrading',
  'observing',
  'rolling-back',
  'succeeded',
  'rolled-back',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');
const isVersion = (v: unknown) => isObject(v) && typeof v.build === 'string' && isStrings(v.args);

/** The stored JSON of a rollout. */
export function encodeRollout(r: NodeRollout): string {
  return JSON.stringify(r);
}

/**
 * Parses a stored rollout. Pure. Returns an `Error` naming the first wrong field for anything
 * else (another ringdoc version's record, a hand-edited key): the CLI refuses to drive it.
 */
export function parseRollout(text: string): NodeRollout | Error {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return new Error('rollout record is not JSON');
  }
  if (!isObject(raw)) return new Error('rollout record is not an object');
  if (raw.version !== 1)
    return new Error(`unsupported rollout version ${JSON.stringify(raw.version)}`);
  if (typeof raw.id !== 'string') return new Error('rollout id is not a string');
  if (!isVersion(raw.to)) return new Error('rollout `to` is not a version');
  if (!isObject(raw.from) || !Object.values(raw.from).every(isVersion)) {
    return new Error('rollout `from` is not a map of versions');
  }
  if (!isStrings(raw.order) || !raw.order.every((id) => isObject(raw.from) && id in raw.from)) {
    return new Error('rollout `order` names nodes without a version');
  }
  if (!Array.isArray(raw.steps) || !raw.steps.every((n) => Number.isInteger(n))) {
    return new Error('rollout `steps` is not a list of integers');
  }
  if (!Number.isInteger(raw.step)) return new Error('rollout `step` is not an integer');
  if (!isStrings(raw.upgraded)) return new Error('rollout `upgraded` is not a list of ids');
  if (raw.restarting !== null && typeof raw.restarting !== 'string') {
    return new Error('rollout `restarting` is not an id');
  }
  if (!PHASES.has(raw.phase as RolloutPhase))
    return new Error(`unknown rollout phase ${JSON.stringify(raw.phase)}`);
  if (typeof raw.paused !== 'boolean') return new Error('rollout `paused` is not a boolean');
  if (typeof raw.observeMs !== 'number') return new Error('rollout `observeMs` is not a number');
  if (!isObject(raw.thresholds)) return new Error('rollout `thresholds` is not an object');
  if (!Array.isArray(raw.events)) return new Error('rollout `events` is not a list');
  return raw as unknown as NodeRollout;
}
