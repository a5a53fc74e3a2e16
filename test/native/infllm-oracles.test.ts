/**
 * InfLLM oracles O1–O8 of infllm-spec.md §7 on the native memory (O9–O15 are in
 * infllm-oracles-selection.test.ts). Float64 expectations come from test/helpers/infllmReference.ts
 * (written from the spec); tolerances are justified in test/helpers/infllmCompare.ts.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryLayout } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings } from '../../engine/binding/ModelBinding.js';
import { OUT_TOL, SCORE_TOL } from '../helpers/infllmCompare.js';
import { causalAttention, distanceAttention, distanceProbs, topIndices } from '../helpers/infllmReference.js';
import {
  bitEqual, createInfllm, maxAbsDiff, memoryApi, nativeCall, randomInputs, refLayout, rng, runNative, sliceInputs, splitCalls,
} from '../helpers/memoryHarness.js';

type Settings = Required<NativeInfllmSettings>;
const LAY: MemoryLayout = { nLayer: 1, nHead: 4, nHeadKv: 2, headDim: 16 };
const TOY: Settings = { nInit: 4, nLocal: 32, blockSize: 8, topk: 2, reprTopk: 2, chunk: 8, cache: 4, compat: false, kvType: 'f32' };
/** Every block always selected (k >= #blocks for the lengths used here). */
const ALL_BLOCKS: Settings = { ...TOY, topk: 64, cache: 64 };
const SPLITS: number[][] = [[200], [13, 1, 7, 29, 1, 1, 40, 3, 20, 2, 9], Array<number>(200).fill(1), [8, 16, 5, 3]];
const clamped = (nLocal: number) => (p: number, j: number) => Math.min(p - j, nLocal - 1);

describe('InfLLM oracles O1–O8', () => {
  it('O1 short-context exactness: T <= n_local equals causal RoPE attention for any split', () => {
    const inputs = randomInputs(rng(11), LAY, 32);
    const expected = causalAttention(refLayout(LAY), inputs[0]);
    for (const sizes of SPLITS)
      for (const compat of [false, true]) {
        const mem = createInfllm(LAY, { ...TOY, compat });
        const r = runNative(mem, LAY, inputs, splitCalls(32, sizes));
        expect(maxAbsDiff(r.out[0], expected)).toBeLessThan(OUT_TOL);
        expect(mem.infllmLayer(0)).toEqual({ initLen: 0, nBlocks: 0, remStart: 0, remEnd: 32 });
      }
  });

  it('O2 clamped distance: all blocks selected + intended mask = attention at min(p-j, n_local-1)', () => {
    const T = 150;
    const inputs = randomInputs(rng(12), LAY, T);
    const expected = distanceAttention(refLayout(LAY), inputs[0], clamped(TOY.nLocal));
    for (const sizes of SPLITS) {
      const mem = createInfllm(LAY, ALL_BLOCKS);
      const r = runNative(mem, LAY, inputs, splitCalls(T, sizes));
      expect(maxAbsDiff(r.out[0], expected)).toBeLessThan(OUT_TOL);
      expect(mem.infllmLayer(0).nBlocks).toBeGreaterThan(5);
    }
    // The compat quirk breaks the equivalence for multi-token chunks, not for 1-token calls.
    const quirk = runNative(createInfllm(LAY, { ...ALL_BLOCKS, compat: true }), LAY, inputs, [[0, T]]);
    expect(maxAbsDiff(quirk.out[0], expected)).toBeGreaterThan(1e-3);
    const decode = runNative(createInfllm(LAY, { ...ALL_BLOCKS, compat: true }), LAY, inputs, splitCalls(T, SPLITS[2]));
    expect(maxAbsDiff(decode.out[0], expected)).toBeLessThan(OUT_TOL);
  });

  it('O3 prefill/decode consistency: with E=1 one call and token-by-token calls are bit-identical', () => {
    const lay: MemoryLayout = { ...LAY, nLayer: 2 };
    const s: Settings = { ...TOY, chunk: 1 };
    const T = 90;
    const inputs = randomInputs(rng(13), lay, T);
    const one = runNative(createInfllm(lay, s), lay, inputs, [[0, T]]);
    const steps = runNative(createInfllm(lay, s, { nThreads: 2 }), lay, inputs, splitCalls(T, SPLITS[2]));
    for (let il = 0; il < 2; il++) expect(bitEqual(one.out[il], steps.out[il])).toBe(true);
    // Same decisions (the single call reports its chunks layer by layer, the steps token by token).
    const key = (r: { layer: number; qStart: number }) => r.layer * 1e6 + r.qStart;
    const sortRecs = (x: typeof one.records) => [...x].sort((a, b) => key(a) - key(b));
    expect(sortRecs(steps.records)).toEqual(sortRecs(one.records));
    expect(one.records.some((r) => r.scored)).toBe(true);
  });

  it('O4 aligned-split invariance: splits at multiples of E are bit-identical, unaligned ones differ', () => {
    const T = 160;
    const inputs = randomInputs(rng(14), LAY, T);
    const one = runNative(createInfllm(LAY, TOY), LAY, inputs, [[0, T]]);
    const aligned = runNative(createInfllm(LAY, TOY), LAY, inputs, splitCalls(T, [16, 8, 40, 24, 8]));
    expect(bitEqual(one.out[0], aligned.out[0])).toBe(true);
    expect(aligned.records).toEqual(one.records);
    const unaligned = runNative(createInfllm(LAY, TOY), LAY, inputs, splitCalls(T, [13, 8, 40, 27, 8]));
    expect(bitEqual(one.out[0], unaligned.out[0])).toBe(false);
    expect(unaligned.records.map((r) => r.qStart)).not.toEqual(one.records.map((r) => r.qStart));
  });

  it('O5 cache transparency: outputs do not depend on cache >= topk; cache < topk is rejected', () => {
    const T = 140;
    const inputs = randomInputs(rng(15), LAY, T);
    const calls = splitCalls(T, [50, 1, 1, 30, 1, 7]);
    const base = runNative(createInfllm(LAY, TOY), LAY, inputs, calls);
    for (const cache of [TOY.topk, TOY.topk + 1, 50]) {
      const r = runNative(createInfllm(LAY, { ...TOY, cache }), LAY, inputs, calls);
      expect(bitEqual(r.out[0], base.out[0])).toBe(true);
      expect(r.records).toEqual(base.records);
    }
    expect(() => createInfllm(LAY, { ...TOY, cache: TOY.topk - 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/cache .*topk/) }),
    );
  });

  it('O6 bookkeeping: init, blocks, remainder after every call; blocks hold bit-identical K/V', () => {
    const lay: MemoryLayout = { nLayer: 1, nHead: 4, nHeadKv: 2, headDim: 16 };
    const { nInit, nLocal, blockSize: B } = TOY;
    const T = 150;
    const inputs = randomInputs(rng(16), lay, T);
    const mem = createInfllm(lay, TOY);
    const kvRow = lay.nHeadKv * lay.headDim;
    let t = 0;
    for (const [a, b] of splitCalls(T, [20, 13, 1, 2, 1, 30, 1, 9, 40, 1, 1, 16])) {
      nativeCall(mem, lay, sliceInputs(inputs, lay, a, b));
      t = b;
      const init = Math.min(nInit, Math.max(0, t - nLocal));
      const nb = Math.max(0, Math.floor((t - nInit - nLocal) / B));
      const st = mem.infllmLayer(0);
      expect(st).toEqual({ initLen: init, nBlocks: nb, remStart: init + nb * B, remEnd: t });
      if (nb > 0) {
        expect(t - st.remStart).toBeGreaterThanOrEqual(nLocal);
        expect(t - st.remStart).toBeLessThanOrEqual(nLocal + B - 1);
      }
    }
    // Init tokens are positions [0, n_init) and blocks [n_init + bB, n_init + (b+1)B), verbatim.
    const sameRows = (got: Float32Array, src: Float32Array, p0: number, n: number) => {
      const want = new Float32Array(got.length);
      for (let h = 0; h < lay.nHeadKv; h++)
        for (let j = 0; j < n; j++)
          want.set(src.subarray((p0 + j) * kvRow + h * lay.headDim, (p0 + j) * kvRow + (h + 1) * lay.headDim), (h * n + j) * lay.headDim);
      return bitEqual(got, want);
    };
    const init = mem.infllmInit(0);
    expect(sameRows(init.k, inputs[0].k, 0, nInit) && sameRows(init.v, inputs[0].v, 0, nInit)).toBe(true);
    for (let b = 0; b < mem.infllmLayer(0).nBlocks; b++) {
      const blk = mem.infllmBlock(0, b);
      expect([blk.begin, blk.end]).toEqual([nInit + b * B, nInit + (b + 1) * B]);
      expect(memoryApi().infllmBlockRange(TOY, b)).toEqual([blk.begin, blk.end]);
      expect(sameRows(blk.k, inputs[0].k, blk.begin, B) && sameRows(blk.v, inputs[0].v, blk.begin, B)).toBe(true);
    }
  });

  it('O7 representative vector = per query head mean of its top-r raw keys (GQA: kv head h/g)', () => {
    const lay: MemoryLayout = { nLayer: 1, nHead: 4, nHeadKv: 2, headDim: 16 };
    const s: Settings = { ...TOY, reprTopk: 3 };
    const mem = createInfllm(lay, s);
    runNative(mem, lay, randomInputs(rng(17), lay, 120), splitCalls(120, [37, 1, 1, 50]));
    const { nHead: H, headDim: d } = lay;
    const g = H / lay.nHeadKv;
    const B = s.blockSize;
    let headsDiffer = false;
    for (let b = 0; b < mem.infllmLayer(0).nBlocks; b++) {
      const blk = mem.infllmBlock(0, b);
      const want = new Float64Array(H * d);
      for (let h = 0; h < H; h++) {
        const top = topIndices(Array.from(blk.scores.subarray(h * B, (h + 1) * B)), s.reprTopk);
        for (const t of top)
          for (let c = 0; c < d; c++) want[h * d + c] += blk.k[(Math.floor(h / g) * B + t) * d + c] / s.reprTopk;
      }
      // Mean of 3 float32 values of magnitude <= ~6: rounding <= 3 * u * 6 ~ 1e-6.
      expect(maxAbsDiff(blk.repr, want)).toBeLessThan(2e-6);
      headsDiffer ||= maxAbsDiff(blk.repr.subarray(0, d), blk.repr.subarray(d, 2 * d)) > 0;
    }
    // Query heads sharing a kv head choose their own tokens.
    expect(headsDiffer).toBe(true);
  });

  it('O8 score accounting: a token scores the local probability mass of its n_local queries', () => {
    const T = 130;
    const inputs = randomInputs(rng(18), LAY, T);
    const mem = createInfllm(LAY, ALL_BLOCKS);
    runNative(mem, LAY, inputs, splitCalls(T, [21, 1, 3, 44, 1, 1, 9]));
    // With every block selected and the intended mask, every query's probabilities equal those
    // of clamped-distance attention (O2), so scores can be recomputed densely per query.
    const probs = distanceProbs(refLayout(LAY), inputs[0], clamped(TOY.nLocal));
    const H = LAY.nHead;
    const expectedScore = (m: number, h: number) => {
      let sum = 0;
      for (let p = m; p < Math.min(T, m + TOY.nLocal); p++) sum += probs[p * H + h][m];
      return sum;
    };
    const B = TOY.blockSize;
    const st = mem.infllmLayer(0);
    for (let b = 0; b < st.nBlocks; b++) {
      const blk = mem.infllmBlock(0, b);
      const want = Array.from({ length: H * B }, (_, i) => expectedScore(blk.begin + (i % B), Math.floor(i / B)));
      expect(maxAbsDiff(blk.scores, want)).toBeLessThan(SCORE_TOL);
    }
    const rem = mem.infllmRemScores(0);
    const wantRem = Array.from({ length: rem.length }, (_, i) => expectedScore(st.remStart + Math.floor(i / H), i % H));
    expect(maxAbsDiff(rem, wantRem)).toBeLessThan(SCORE_TOL);
  });
});
