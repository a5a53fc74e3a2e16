/**
 * The shared CPU attention kernel (native/src/cpu/ifl-attention) through
 * binding._testing.memory.attention: multi-stage joint softmax with per-stage queries and
 * visibility bands vs a float64 loop, the normalised-probability side output, GQA, head sizes
 * that exercise the SIMD tails, and determinism across thread counts and query tilings.
 */
import { describe, expect, it } from 'vitest';
import type { KernelProblem, KernelStage } from '../../engine/binding/MemoryTestingBinding.js';
import { OUT_TOL, SCORE_TOL } from '../helpers/infllmCompare.js';
import { bitEqual, maxAbsDiff, memoryApi, randn, rng } from '../helpers/memoryHarness.js';

interface Shape { nQ: number; nHead: number; nHeadKv: number; headDim: number }

function randomStage(rand: () => number, sh: Shape, nKeys: number, band: Partial<KernelStage> = {}): KernelStage {
  return {
    q: Float32Array.from({ length: sh.nQ * sh.nHead * sh.headDim }, () => randn(rand)),
    k: Float32Array.from({ length: nKeys * sh.nHeadKv * sh.headDim }, () => randn(rand)),
    v: Float32Array.from({ length: nKeys * sh.nHeadKv * sh.headDim }, () => rand() * 2 - 1),
    nKeys,
    ...band,
  };
}

/** float64 joint softmax over every visible (stage, key); also the per-stage probability sums. */
function reference(p: KernelProblem): { out: Float64Array; scores: Float64Array[] } {
  const { nQ, nHead: H, nHeadKv: Hkv, headDim: d } = p;
  const g = H / Hkv;
  const scale = p.scale ?? 1 / Math.sqrt(d);
  const out = new Float64Array(nQ * H * d);
  const scores = p.stages.map((s) => new Float64Array(H * s.nKeys));
  for (let i = 0; i < nQ; i++)
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / g);
      const ent: { s: number; j: number; l: number }[] = [];
      p.stages.forEach((st, s) => {
        const rs = st.kvRowStride ?? Hkv * d;
        const hs = st.kvHeadStride ?? d;
        for (let j = 0; j < st.nKeys; j++) {
          const dist = (st.qPos0 ?? 0) + i - ((st.kPos0 ?? 0) + j);
          if (dist < (st.dMin ?? -Infinity) || dist > (st.dMax ?? Infinity)) continue;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += st.q[(i * H + h) * d + c] * st.k[j * rs + hk * hs + c];
          ent.push({ s, j, l: dot * scale });
        }
      });
      if (ent.length === 0) continue;
      const m = Math.max(...ent.map((e) => e.l));
      const z = ent.reduce((a, e) => a + Math.exp(e.l - m), 0);
      for (const e of ent) {
        const st = p.stages[e.s];
        const pr = Math.exp(e.l - m) / z;
        scores[e.s][h * st.nKeys + e.j] += pr;
        const off = e.j * (st.kvRowStride ?? Hkv * d) + hk * (st.kvHeadStride ?? d);
        for (let c = 0; c < d; c++) out[(i * H + h) * d + c] += pr * st.v[off + c];
      }
    }
  return { out, scores };
}

describe('attention kernel', () => {
  const shapes: [string, Shape][] = [
    ['g=2, d=16', { nQ: 20, nHead: 4, nHeadKv: 2, headDim: 16 }],
    ['g=1, d=20 (SIMD tail)', { nQ: 17, nHead: 2, nHeadKv: 2, headDim: 20 }],
    ['g=4, d=64', { nQ: 9, nHead: 8, nHeadKv: 2, headDim: 64 }],
    ['g=1, d=128, decode', { nQ: 1, nHead: 2, nHeadKv: 2, headDim: 128 }],
    ['g=3, d=6', { nQ: 33, nHead: 3, nHeadKv: 1, headDim: 6 }],
  ];
  for (const [name, sh] of shapes)
    it(`joint softmax over banded stages with their own queries and score output (${name})`, () => {
      const rand = rng(51);
      // local band (window 40), a strided head-major block, and a tail band (dist >= 40)
      const local = randomStage(rand, sh, 300, { qPos0: 500, kPos0: 241, dMin: 0, dMax: 39, score: true });
      const block = randomStage(rand, sh, 24, { kvRowStride: sh.headDim, kvHeadStride: 24 * sh.headDim });
      const tail = randomStage(rand, sh, 50, { qPos0: 500, kPos0: 200, dMin: 40, score: true });
      const problem: KernelProblem = { ...sh, stages: [local, block, tail], nThreads: 2 };
      const got = memoryApi().attention(problem);
      const want = reference(problem);
      expect(maxAbsDiff(got.out, want.out)).toBeLessThan(OUT_TOL);
      expect(maxAbsDiff(got.scores[0]!, want.scores[0])).toBeLessThan(SCORE_TOL);
      expect(maxAbsDiff(got.scores[2]!, want.scores[2])).toBeLessThan(SCORE_TOL);
      expect(got.scores[1]).toBeNull();
      // Normalisation: per query and head the probabilities of all stages sum to 1, so the side
      // outputs of a problem where every stage reports add up to nQ per head.
      const all = memoryApi().attention({ ...problem, stages: problem.stages.map((s) => ({ ...s, score: true })) });
      const total = all.scores.reduce((acc, s) => acc + s!.reduce((a, x) => a + x, 0), 0);
      expect(Math.abs(total - sh.nQ * sh.nHead)).toBeLessThan(1e-3);
      // Recomputing the logits for the side output (large problems) gives the same bits as
      // reusing the main pass's logits (small problems).
      const recomputed = memoryApi().attention({ ...problem, keepLogits: false });
      expect(bitEqual(recomputed.out, got.out)).toBe(true);
      expect(bitEqual(recomputed.scores[0]!, got.scores[0]!) && bitEqual(recomputed.scores[2]!, got.scores[2]!)).toBe(true);
    });

  it('is bit-identical for any thread count and any query tiling', () => {
    const rand = rng(52);
    const sh: Shape = { nQ: 40, nHead: 8, nHeadKv: 2, headDim: 32 };
    const stages = [
      randomStage(rand, sh, 1100, { qPos0: 1060, kPos0: 0, dMin: 0 }),
      randomStage(rand, sh, 300),
      randomStage(rand, sh, 7),
    ];
    const base = memoryApi().attention({ ...sh, stages, nThreads: 1 });
    for (const nThreads of [2, 3, 5, 8]) expect(bitEqual(memoryApi().attention({ ...sh, stages, nThreads }).out, base.out)).toBe(true);
    // Query 23 alone (decode-shaped: few work units, segments computed in parallel) gives the
    // same bits as inside the 40-query problem.
    const row = sh.nHead * sh.headDim;
    const single = stages.map((s) => ({ ...s, q: s.q.slice(23 * row, 24 * row), qPos0: (s.qPos0 ?? 0) + 23 }));
    for (const nThreads of [1, 4]) {
      const one = memoryApi().attention({ ...sh, nQ: 1, stages: single, nThreads });
      expect(bitEqual(one.out, base.out.slice(23 * row, 24 * row))).toBe(true);
    }
  });

  it('gives zeros to rows that see no key and handles empty stages', () => {
    const rand = rng(53);
    const sh: Shape = { nQ: 4, nHead: 2, nHeadKv: 1, headDim: 8 };
    // Query i sees keys j <= i - 2: queries 0 and 1 see nothing.
    const st = randomStage(rand, sh, 4, { qPos0: 0, kPos0: 0, dMin: 2 });
    const empty = randomStage(rand, sh, 0);
    const r = memoryApi().attention({ ...sh, stages: [empty, st] });
    expect(Array.from(r.out.subarray(0, 2 * 2 * 8)).every((x) => x === 0)).toBe(true);
    expect(maxAbsDiff(r.out, reference({ ...sh, stages: [empty, st] }).out)).toBeLessThan(OUT_TOL);
  });

  it('rejects inconsistent problems', () => {
    const rand = rng(54);
    const sh: Shape = { nQ: 2, nHead: 3, nHeadKv: 2, headDim: 8 };
    expect(() => memoryApi().attention({ ...sh, stages: [randomStage(rand, sh, 3)] })).toThrow(/bad shape/);
    const ok: Shape = { ...sh, nHead: 2 };
    const st = randomStage(rand, ok, 3);
    expect(() => memoryApi().attention({ ...ok, stages: [{ ...st, nKeys: 4 }] })).toThrow(/shorter than nKeys/);
    expect(() => memoryApi().attention({ ...ok, stages: [{ ...st, q: st.q.subarray(1) }] })).toThrow(TypeError);
  });
});
