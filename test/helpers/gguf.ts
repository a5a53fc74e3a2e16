/**
 * Helpers for the GGUF tests: the list of shared GGUF files, temp folders, running the built CLI,
 * and a tiny independent header decoder (counts only) to check the native reader against.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../engine/binding/loadBinding.js';
import { sharedDir } from './shared.js';

/** Every .gguf file under the shared folders the brief names (models, synthetic, passkey, tokenizer vectors). */
export function sharedGgufFiles(): string[] {
  const dirs = ['models', join('models', 'synthetic'), 'passkey', 'tokenizer-vectors'];
  const files: string[] = [];
  for (const d of dirs) {
    const abs = join(sharedDir(), d);
    if (!existsSync(abs)) throw new Error(`shared test data missing: ${abs}`);
    for (const f of readdirSync(abs).sort()) if (f.endsWith('.gguf')) files.push(join(abs, f));
  }
  return files;
}

/** A fresh temp folder and a function that removes it. */
export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `infllm-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Result of one CLI run. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/infllm.js ...args` (needs `npm run build:ts`), without INFLLM_DEBUG, with `input`
 * on stdin; killed after `timeoutMs` [60 s] (a hang guard, not a speed check).
 */
export function runCli(args: string[], options: { input?: string | Buffer; timeoutMs?: number } = {}): CliRun {
  const root = packageRoot();
  if (!existsSync(join(root, 'dist', 'engine', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run "npm run build:ts" before the CLI tests');
  }
  const env = { ...process.env };
  delete env.INFLLM_DEBUG;
  const r = spawnSync(process.execPath, [join(root, 'bin', 'infllm.js'), ...args], {
    input: options.input,
    encoding: 'utf8',
    env,
    timeout: options.timeoutMs ?? 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Header counts read directly from the bytes (GGUF v2/v3: magic, u32 version, u64 tensors, u64 KVs). */
export function headerCounts(bytes: Uint8Array): { version: number; nTensors: number; nKv: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    version: dv.getUint32(4, true),
    nTensors: Number(dv.getBigUint64(8, true)),
    nKv: Number(dv.getBigUint64(16, true)),
  };
}
