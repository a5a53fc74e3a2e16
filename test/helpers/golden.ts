/**
 * Golden-logits files (../shared/golden/*.golden.json, format golden-logits/v1 and the synthetic
 * extension, see their READMEs) and small drivers of the native model binding for the model tests.
 */
import { readFileSync } from 'node:fs';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import type { ModelBinding, ModelTestingBinding, NativeModel, NativeSession } from '../../engine/binding/ModelBinding.js';
import { decodeF32 } from './shared.js';

/** A float32 blob of a golden file. */
export interface GoldenBlob {
  shape: number[];
  base64: string;
}

export interface GoldenCase {
  id: string;
  n_tokens: number;
  tokens: number[];
  logits_last?: GoldenBlob;
  logits_at_positions?: GoldenBlob & { positions: number[] };
  greedy?: { tokens: number[]; step_logits?: GoldenBlob; min_top1_top2_margin: number };
  reference_f64?: {
    logits_last: GoldenBlob;
    logits_at_positions?: GoldenBlob & { positions: number[] };
    step_logits: GoldenBlob;
    greedy_tokens: number[];
  };
}

export interface GoldenFile {
  format: string;
  model: { file: string; path_from_repo_root?: string; hparams: Record<string, unknown>; tensor_type_counts?: Record<string, number> };
  cases: GoldenCase[];
}

export function readGolden(path: string): GoldenFile {
  return JSON.parse(readFileSync(path, 'utf8')) as GoldenFile;
}

export const blob = (b: GoldenBlob): Float32Array => decodeF32(b.base64);

/** The binding with the model area's exports (and its test-only exports). */
export function modelApi(): ModelBinding & ModelTestingBinding {
  return loadBinding();
}

/**
 * Largest |a[i] - b[i]| over arrays of equal length; NaN as soon as one difference is NaN, so
 * that it fails every comparison (smaller or larger than a bound) an assertion makes.
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    m = Math.max(m, d);
  }
  return m;
}

/** Row r of a row-major [rows, n] matrix. */
export const row = (m: Float32Array, r: number, n: number): Float32Array => m.subarray(r * n, (r + 1) * n);

/** Index of the largest value, ties to the lowest index (greedy decoding). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Greedy continuation: one eval per token, temperature 0 sampling through eval. */
export async function greedy(session: NativeSession, first: number, n: number): Promise<number[]> {
  const out = [first];
  while (out.length < n) {
    const r = await session.eval(Int32Array.of(out[out.length - 1]), { logits: 'none', sample: { temperature: 0 } });
    out.push(r.token as number);
  }
  return out;
}

/**
 * Loads a model with 2 threads (the machine has 2 cores; results do not depend on it) and the
 * given numerics (default: the engine's default, `fast`).
 */
export function loadModel(path: string, numerics?: 'exact' | 'fast'): Promise<NativeModel> {
  return modelApi().modelLoad(path, { threads: 2, numerics });
}
