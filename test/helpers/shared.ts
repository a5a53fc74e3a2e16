/**
 * Locations of the shared test data (models, golden outputs, tokenizer vectors). CI keeps it at
 * ../shared next to the repository; INFLLM_SHARED overrides. Never copy it into the repo.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../engine/binding/loadBinding.js';

/** Absolute path of the shared data folder. */
export function sharedDir(): string {
  return process.env.INFLLM_SHARED ? resolve(process.env.INFLLM_SHARED) : join(packageRoot(), '..', 'shared');
}

/** Absolute path of a file inside the shared folder; throws a clear error if it is missing. */
export function sharedPath(...parts: string[]): string {
  const p = join(sharedDir(), ...parts);
  if (!existsSync(p)) throw new Error(`shared test data missing: ${p} (set INFLLM_SHARED or place ../shared)`);
  return p;
}

/** Decodes a golden base64 little-endian float32 blob. */
export function decodeF32(base64: string): Float32Array {
  const bytes = Uint8Array.from(Buffer.from(base64, 'base64'));
  return new Float32Array(bytes.buffer);
}
