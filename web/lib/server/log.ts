import type { Logger } from '../../../ring/index.ts';

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A line logger on stderr for the web app's server side (`RINGDOC_LOG_LEVEL`, default info). */
export function createWebLogger(level: string | undefined): Logger {
  const min = LEVELS[(level as Level) in LEVELS ? (level as Level) : 'info'];
  const emit = (l: Level, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[l] < min) return;
    let extra = '';
    if (fields && Object.keys(fields).length > 0) {
      try {
        extra = ` ${JSON.stringify(fields, (_k, v) => (v instanceof Error ? v.message : v))}`;
      } catch {
        extra = ' {"unserialisable":true}';
      }
    }
    process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase()} web ${msg}${extra}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
