/**
 * An expected failure of a command: `main` prints `ringdoc <command>: <message>` on one line of
 * stderr (no stack) and exits with `exitCode` (default 1).
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Wrong arguments: like {@link CliError}, exit code 2, and `main` prints the command's usage. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}
