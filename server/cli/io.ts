/**
 * Where a command writes and what it reads from its surroundings, passed in so tests can run
 * commands in-process and capture their output.
 */
export interface CliIo {
  /** Writes to stdout (text is written as given; commands end their lines with `\n`). */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
  };
}

/** An in-memory {@link CliIo} for tests: `stdout()`/`stderr()` return everything written. */
export function captureIo(env: Record<string, string | undefined> = {}): CliIo & {
  stdout(): string;
  stderr(): string;
} {
  let out = '';
  let err = '';
  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    env,
    stdout: () => out,
    stderr: () => err,
  };
}
