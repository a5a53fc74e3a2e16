/**
 * The CLI's command contract. Each command lives in engine/cli/commands/<name>.ts and is listed
 * in engine/cli/commands/index.ts. Commands read stdin / write stdout through `io` so tests can
 * drive them in-process as well as through the real binary.
 */

/** Streams a command may use. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** One `infllm <name> ...` subcommand. */
export interface CliCommand {
  name: string;
  /** One line: the argument synopsis shown by `infllm help`. */
  usage: string;
  /** One line: what the command does. */
  summary: string;
  /** Runs the command; resolves to the process exit code (0 success). Throw UsageError / EngineError for user errors. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** A mistake in the command line itself (unknown flag, missing argument). Exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
