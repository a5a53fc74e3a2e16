/**
 * Entry of the `infllm` CLI: dispatches to engine/cli/commands. User errors (bad arguments, bad
 * files, unsupported models) print one line on stderr and exit 1; no stack trace unless
 * INFLLM_DEBUG=1. Success exits 0.
 */
import { EngineError } from '../errors.js';
import { commands } from './commands/index.js';
import { UsageError, type CliCommand, type CliIo } from './types.js';

function helpText(): string {
  const lines = ['usage: infllm <command> [options]', '', 'commands:'];
  for (const c of commands) lines.push(`  infllm ${c.name} ${c.usage}`.trimEnd(), `      ${c.summary}`);
  return lines.join('\n') + '\n';
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(helpText());
    return name ? 0 : 1;
  }
  const command: CliCommand | undefined = commands.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}" (try "infllm help")`);
    return await command.run(rest, io);
  } catch (err) {
    io.stderr.write(`infllm ${name}: ${describe(err)}\n`);
    if (process.env.INFLLM_DEBUG === '1' && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
    return 1;
  }
}

function describe(err: unknown): string {
  if (err instanceof UsageError) return err.message;
  if (err instanceof EngineError) return `${err.message} [${err.code}]`;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${err.message} [${code}]` : `internal error: ${err.message}`;
  }
  return `internal error: ${String(err)}`;
}

/** Process entry: wires real stdio, ignores EPIPE (e.g. `| head`), sets the exit code. */
export async function main(): Promise<void> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const code = await runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  process.exitCode = code;
}
