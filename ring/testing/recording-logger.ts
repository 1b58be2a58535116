import type { Logger } from '../etcd/types.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: Record<string, unknown> | undefined;
  readonly at: number;
}

/** A {@link Logger} that keeps every line in memory, for assertions and failure dumps. */
export interface RecordingLogger extends Logger {
  readonly lines: readonly LogLine[];
  /** Lines whose message matches `pattern` (and `level`, if given). */
  find(pattern: RegExp, level?: LogLevel): LogLine[];
  /** All lines as text, one per line. */
  dump(): string;
  /** A logger writing into the same record with `name` prefixed to every message. */
  child(name: string): RecordingLogger;
}

/** Creates a {@link RecordingLogger}; `echo` also writes each line to stderr (debugging). */
export function createRecordingLogger(options: { echo?: boolean } = {}): RecordingLogger {
  const lines: LogLine[] = [];
  const make = (prefix: string): RecordingLogger => {
    const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
      const line: LogLine = { level, msg: prefix + msg, fields, at: Date.now() };
      lines.push(line);
      if (options.echo) process.stderr.write(`${format(line)}\n`);
    };
    return {
      lines,
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      find: (pattern, level) =>
        lines.filter((l) => pattern.test(l.msg) && (level === undefined || l.level === level)),
      dump: () => lines.map(format).join('\n'),
      child: (name) => make(`${prefix}[${name}] `),
    };
  };
  return make('');
}

function format(line: LogLine): string {
  const fields = line.fields ? ` ${JSON.stringify(line.fields)}` : '';
  return `${new Date(line.at).toISOString()} ${line.level.toUpperCase()} ${line.msg}${fields}`;
}
