import type { HistorySettings } from './keeper.ts';
import { parseRetention } from './retention.ts';

const NUMERIC = ['quietMs', 'maxStretchMs', 'tickMs', 'checkpointEvery', 'catchUpMs'] as const;

/**
 * Parses `ringdoc node --history name=value[,name=value]` (names of {@link HistorySettings}
 * with a number value: quietMs, maxStretchMs, tickMs, checkpointEvery, catchUpMs) and
 * `--history-retention` (see `parseRetention`). Throws `RangeError` on an unknown name or a
 * value that is not a positive integer.
 */
export function parseHistorySettings(
  assignments: string,
  retention = '',
): Partial<HistorySettings> {
  const out: { -readonly [K in keyof HistorySettings]?: HistorySettings[K] } = {};
  for (const part of assignments.split(',').filter((p) => p.trim() !== '')) {
    const [name, raw] = part.split('=');
    if (!NUMERIC.includes(name as (typeof NUMERIC)[number])) {
      throw new RangeError(
        `unknown history setting ${JSON.stringify(name)} (known: ${NUMERIC.join(', ')})`,
      );
    }
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(
        `history setting ${name} must be a positive integer, not ${JSON.stringify(raw)}`,
      );
    }
    out[name as (typeof NUMERIC)[number]] = value;
  }
  if (retention.trim() !== '') out.retention = parseRetention(retention);
  return out;
}
