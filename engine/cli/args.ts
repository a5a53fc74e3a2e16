/**
 * Command-line parsing shared by the model commands (logits, generate): node:util parseArgs with
 * its errors turned into one-line UsageErrors, strict number parsing, the session flags
 * (--attention, --infllm, --ctx, --threads) and token-id files.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError } from '../errors.js';
import { parseInfllmSpec } from '../session/infllmSettings.js';
import type { SessionOptions } from '../session/types.js';
import { readAll } from './io.js';
import { UsageError, type CliIo } from './types.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The session flags both model commands accept. */
export const SESSION_FLAGS = {
  attention: { type: 'string' },
  infllm: { type: 'string' },
  ctx: { type: 'string' },
  threads: { type: 'string' },
} as const satisfies Options;

/** parseArgs in strict mode; its errors become a one-line UsageError. */
export function parseCli<O extends Options>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(e.message)?.[1] ?? '';
      throw new UsageError(`unknown option ${flag}`);
    }
    if (e.code?.startsWith('ERR_PARSE_ARGS')) {
      const first = e.message.split('\n')[0];
      throw new UsageError(/ambiguous/.test(first) ? `${first} (write --flag=VALUE for values that start with "-")` : first);
    }
    throw err;
  }
}

/** Parses a decimal number flag; `integer` also requires an integer. Throws UsageError naming the flag. */
export function numberFlag(name: string, text: string | undefined, integer = false): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} (got "${text}")`);
  }
  return value;
}

/**
 * What the CLI's --infllm starts from before the paper defaults: float32 blocks (kv=f32), so that
 * `logits` / `generate` reproduce float32 references (official InfLLM golden data, passkey
 * results) to ~1e-5; f16 blocks (the engine default, half the memory) move logits by ~4e-3 on
 * stories260K. `kv=f16` or `kv=q8` selects the compact types.
 */
export const CLI_INFLLM_BASE = { kvType: 'f32' } as const;

/** SessionOptions from --attention, --infllm and --ctx (--infllm implies --attention infllm). */
export function sessionOptionsFrom(values: { attention?: string; infllm?: string; ctx?: string }): SessionOptions {
  const attention = values.attention ?? (values.infllm !== undefined ? 'infllm' : 'full');
  if (attention !== 'full' && attention !== 'infllm') throw new UsageError(`--attention must be "full" or "infllm" (got "${attention}")`);
  if (attention === 'full' && values.infllm !== undefined) throw new UsageError('--infllm needs --attention infllm');
  if (attention === 'infllm' && values.ctx !== undefined) throw new UsageError('--ctx applies to --attention full only');
  const nCtx = numberFlag('ctx', values.ctx, true);
  if (attention === 'infllm') {
    let infllm;
    try {
      infllm = parseInfllmSpec(values.infllm ?? '', CLI_INFLLM_BASE);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    return { attention, infllm };
  }
  return nCtx === undefined ? { attention } : { attention, nCtx };
}

/** Reads a JSON array of token ids from a file ("-": stdin). */
export async function readTokenFile(path: string, io: CliIo): Promise<number[]> {
  let text: string;
  try {
    text = path === '-' ? (await readAll(io.stdin)).toString('utf8') : await readFile(path, 'utf8');
  } catch (err) {
    throw new EngineError('FILE_NOT_FOUND', `cannot read --tokens file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new EngineError('INVALID_ARGUMENT', `--tokens file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isInteger(v))) {
    throw new EngineError('INVALID_ARGUMENT', `--tokens file ${path} must hold a JSON array of integer token ids`);
  }
  return value as number[];
}

/** The single positional argument (the model path). */
export function modelPath(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError('expected exactly one argument: the path of a .gguf file');
  return positionals[0];
}
