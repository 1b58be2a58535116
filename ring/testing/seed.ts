/**
 * The seed of a property test run (fast-check): `FC_SEED` when set (replay), else a fresh one.
 * fast-check prints the seed and the shrunk path of any failure, so a failing run replays with
 * `FC_SEED=<seed> npx vitest run <file>`.
 */
export function propertySeed(env: NodeJS.ProcessEnv = process.env): number {
  return env.FC_SEED !== undefined && env.FC_SEED !== '' ? Number(env.FC_SEED) : Date.now() | 0;
}
