import os from 'node:os';
import type { RecordStore } from '../rollout/store.ts';
import { type CommandContext, writeJson } from './context.ts';
import { CliError } from './errors.ts';

/** What both kinds of rollout (nodes, web) have in common for the CLI that drives them. */
export interface DrivenRollout {
  readonly phase: string;
  readonly reason: string | null;
}

export interface DriveUnderLockOptions<R extends DrivenRollout> {
  readonly store: RecordStore<R>;
  readonly context: CommandContext;
  /** `false` for `resume`/`abort`: another CLI holding the lock is fine, it drives. */
  readonly mustDrive: boolean;
  /** The phase that means success for this command (`rolled-back` for `abort`). */
  readonly wanted: 'succeeded' | 'rolled-back';
  /** How the command is named in messages: "`ringdoc rollout`", "the web rollout"… */
  readonly command: string;
  readonly noun: string;
  readonly isTerminal: (rollout: R) => boolean;
  /** Drives the rollout to its end, reporting progress through `say`. */
  readonly drive: (say: (line: string) => void) => Promise<R>;
}

/**
 * Takes the rollout's driver lock (waiting out a killed driver's lease, at most 8 s), then
 * drives the rollout to its end and releases the lock. Exit code 0 when it ends in `wanted`;
 * a `CliError` with the reason otherwise. The CLI that held the lock may have finished the
 * rollout while this one waited: then its outcome is reported.
 */
export async function driveUnderLock<R extends DrivenRollout>(
  options: DriveUnderLockOptions<R>,
): Promise<number> {
  const { store, context, mustDrive, wanted } = options;
  const { io } = context;
  const holder = `${os.hostname()} pid ${process.pid}`;
  const deadline = Date.now() + 8000;
  while (!(await store.lockDriver(holder))) {
    if (Date.now() > deadline) {
      if (!mustDrive) return 0;
      throw new CliError(
        `another ${options.command} is driving this rollout (its lock is held in etcd)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  try {
    const current = await store.read();
    if (!mustDrive && current && options.isTerminal(current)) {
      return current.phase === wanted ? 0 : 1;
    }
    const final = await options.drive((line) => {
      if (context.json) writeJson(io, { event: 'progress', at: Date.now(), message: line });
      else io.out(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
    });
    if (context.json) writeJson(io, { event: final.phase, rollout: final });
    if (final.phase === wanted) return 0;
    throw new CliError(
      final.phase === 'succeeded'
        ? `${options.noun} succeeded before it could be aborted`
        : `rolled back: ${final.reason}`,
    );
  } finally {
    await store.unlockDriver();
  }
}
