/**
 * Runs the native InfLLM memory and the float64 reference (test/helpers/infllmReference.ts) on
 * the same inputs and call schedule, and checks outputs, selections and bookkeeping.
 */
import { expect } from 'vitest';
import type { MemoryLayout } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings } from '../../engine/binding/ModelBinding.js';
import { InfllmReference, type LayerInput, type RefRecord } from './infllmReference.js';
import { createInfllm, maxAbsDiff, refLayout, refSettings, runNative, sliceInputs, type NativeRun } from './memoryHarness.js';

/**
 * Output tolerance, float32 vs float64. Logits: a d-term float32 dot product of values of
 * magnitude ~1.5 errs by <= d * u * sum|q_c k_c| * scale ~ 16 * 6e-8 * 36 / 4 ~ 9e-6 in the
 * worst case (u = 2^-24); RoPE in float32 adds ~2u relative. A logit error e changes each
 * probability by a relative ~e, and outputs are convex combinations of |v| <= 1, plus the
 * float32 accumulation of <= ~100 terms (100 u ~ 6e-6). Worst case ~2e-5; observed ~4e-7.
 */
export const OUT_TOL = 2e-5;
/** Representative scores: sums of <= n_local probabilities each off by ~1e-5 relative (see OUT_TOL). */
export const SCORE_TOL = 1e-4;
/**
 * Relevance scores: a float32 dot product of length H*d <= 72 whose terms are ~1.5 * 1.5 in size
 * (mean query · mean of r keys): worst-case rounding n * u * sum|terms| ~ 72 * 6e-8 * 160 ~ 7e-4,
 * plus the float32 RoPE of the queries (~2u relative). Observed ~1e-6.
 */
export const RELEVANCE_TOL = 1e-3;
/**
 * Selections are compared exactly. Two blocks can swap places only if their reference scores are
 * closer than 2 * RELEVANCE_TOL, so every scored chunk must have a k-th/(k+1)-th margin above that
 * (a property of the chosen seeds, checked rather than assumed).
 */
export const MIN_MARGIN = 2 * RELEVANCE_TOL;

export interface Compared {
  native: NativeRun;
  ref: InfllmReference;
  refOut: Float64Array[];
  refRecords: RefRecord[];
  maxDiff: number;
}

/** Reference run of `inputs` in `calls`. */
export function runReference(
  lay: MemoryLayout,
  s: Required<NativeInfllmSettings>,
  inputs: LayerInput[],
  calls: [number, number][],
): { ref: InfllmReference; out: Float64Array[]; records: RefRecord[] } {
  const ref = new InfllmReference(refLayout(lay), refSettings(s), lay.nLayer);
  const total = calls[calls.length - 1][1];
  const qr = lay.nHead * lay.headDim;
  const out = inputs.map(() => new Float64Array(total * qr));
  const records: RefRecord[] = [];
  for (const [a, b] of calls) {
    const r = ref.call(sliceInputs(inputs, lay, a, b));
    r.out.forEach((o, il) => out[il].set(o, a * qr));
    records.push(...r.records);
  }
  return { ref, out, records };
}

/** Runs both and asserts agreement: outputs, every retrieval record, and the per-layer state. */
export function compareWithReference(
  lay: MemoryLayout,
  s: Required<NativeInfllmSettings>,
  inputs: LayerInput[],
  calls: [number, number][],
  nThreads = 1,
): Compared {
  const mem = createInfllm(lay, s, { nThreads });
  const native = runNative(mem, lay, inputs, calls);
  const { ref, out: refOut, records: refRecords } = runReference(lay, s, inputs, calls);
  let maxDiff = 0;
  for (let il = 0; il < lay.nLayer; il++) maxDiff = Math.max(maxDiff, maxAbsDiff(native.out[il], refOut[il]));
  expect(maxDiff).toBeLessThan(OUT_TOL);
  expect(native.records.length).toBe(refRecords.length);
  native.records.forEach((r, i) => {
    const e = refRecords[i];
    expect({ layer: r.layer, qStart: r.qStart, qLen: r.qLen, nBlocks: r.nBlocks, scored: r.scored }).toEqual({
      layer: e.layer, qStart: e.qStart, qLen: e.qLen, nBlocks: e.nBlocks, scored: e.scored,
    });
    if (e.scored) expect(e.margin).toBeGreaterThan(MIN_MARGIN);
    expect(r.selected).toEqual(e.selected);
    if (e.scored) expect(maxAbsDiff(r.scores, e.selected.map((b) => e.allScores[b]))).toBeLessThan(RELEVANCE_TOL);
    else expect(r.scores.length).toBe(0);
  });
  for (let il = 0; il < lay.nLayer; il++) {
    const L = ref.layers[il];
    expect(mem.infllmLayer(il)).toEqual({ initLen: L.initLen, nBlocks: L.blocks.length, remStart: L.remStart, remEnd: L.remEnd });
    L.blocks.forEach((rb, b) => {
      const nb = mem.infllmBlock(il, b);
      expect([nb.begin, nb.end]).toEqual([rb.start, rb.start + s.blockSize]);
      expect(maxAbsDiff(nb.scores, rb.scores.flat())).toBeLessThan(SCORE_TOL);
      // Same representative tokens => the means of identical float inputs agree to float32 rounding.
      expect(maxAbsDiff(nb.repr, rb.repr)).toBeLessThan(1e-5);
    });
    const remScores = mem.infllmRemScores(il);
    const refRem = L.score.slice(L.remStart, L.remEnd).flat();
    expect(maxAbsDiff(remScores, refRem)).toBeLessThan(SCORE_TOL);
  }
  return { native, ref, refOut, refRecords, maxDiff };
}
