import type { Logger } from '../ring/etcd/types.ts';

export type { Logger };

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** Prefix of every line, e.g. the node id. */
  readonly name: string;
  /** Lowest level written (default `info`, or `RINGDOC_LOG_LEVEL`). */
  readonly level?: Level;
  /** Where lines go (default stderr). */
  readonly write?: (line: string) => void;
}

/** A line-oriented logger: `2026-11-22T07:00:00.000Z WARN n1 message {"k":"v"}`. */
export function createLogger(options: LoggerOptions): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < min) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : '';
    write(`${new Date().toISOString()} ${level.toUpperCase()} ${options.name} ${msg}${extra}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A logger that drops everything (tests). */
export function createSilentLogger(): Logger {
  const noop = () => {};
  return { debug: noop, info: noop, warn: noop, error: noop };
}

function safeJson(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, (_k, v) => (v instanceof Error ? { error: v.message } : v));
  } catch {
    return '{"unserialisable":true}';
  }
}

/** Parses a level name, defaulting to `info`. */
export function parseLevel(raw: string | undefined): Level {
  return raw === 'debug' || raw === 'warn' || raw === 'error' ? raw : 'info';
}
