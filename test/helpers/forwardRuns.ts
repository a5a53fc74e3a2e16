/**
 * Drivers of the forward-pass tests on crafted models (forward-reference, forward-fast): the
 * token sequence, its logits fed in calls of given lengths, the call splits and thread counts
 * that must not change a bit, and the distance of engine logits from the float64 forward pass.
 */
import type { NativeModelLoadOptions } from '../../engine/binding/ModelBinding.js';
import { referenceForward } from './forwardReference.js';
import { maxAbsDiff, modelApi, row } from './golden.js';
import type { TinyModel } from './tinyModel.js';

/** The tokens every forward-pass test feeds (ids below 40, the smallest crafted vocabulary). */
export const TOKENS = [3, 17, 5, 5, 30, 1, 22, 9, 14, 2, 38, 7];

/** [threads, call lengths] whose logits must equal 1 thread and one call bit for bit. */
export const SPLIT_RUNS: readonly [number, number[]][] = [
  [2, [TOKENS.length]],
  [1, [5, 1, 6]],
  [2, Array(TOKENS.length).fill(1)],
];

/** Logits of TOKENS fed to a fresh full-attention session in calls of the given lengths, rows concatenated. */
export async function logitsOverCalls(path: string, options: NativeModelLoadOptions, splits: readonly number[]): Promise<Float32Array> {
  const model = await modelApi().modelLoad(path, options);
  const s = model.createSession({ attention: 'full' });
  const rows: Float32Array[] = [];
  let at = 0;
  for (const n of splits) {
    const r = await s.eval(Int32Array.from(TOKENS.slice(at, at + n)), { logits: 'all' });
    rows.push(r.logits as Float32Array);
    at += n;
  }
  model.dispose();
  return Float32Array.from(rows.flatMap((x) => Array.from(x)));
}

/** Max |logits - float64 reference| over all positions of TOKENS, and the largest |reference logit|. */
export function diffToReference(m: TinyModel, logits: Float32Array): { diff: number; scale: number } {
  const want = referenceForward(m, TOKENS);
  let diff = 0, scale = 0;
  want.forEach((w, t) => {
    diff = Math.max(diff, maxAbsDiff(row(logits, t, m.spec.nVocab), w));
    for (const v of w) scale = Math.max(scale, Math.abs(v));
  });
  return { diff, scale };
}
