/**
 * InfLLM oracles O9–O15 of infllm-spec.md §7 (O1–O8: infllm-oracles.test.ts): retrieval ranking,
 * all-blocks / no-memory, stage merging, GQA, layer independence, determinism and ties, and the
 * no-double-count property (with the compat flag's exact double counts).
 */
import { describe, expect, it } from 'vitest';
import type { MemoryLayout } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings } from '../../engine/binding/ModelBinding.js';
import { OUT_TOL, RELEVANCE_TOL } from '../helpers/infllmCompare.js';
import { distanceAttention, ropeRotate, topIndices } from '../helpers/infllmReference.js';
import {
  bitEqual, createInfllm, maxAbsDiff, memoryApi, randn, randomInputs, refLayout, rng, runNative, splitCalls,
} from '../helpers/memoryHarness.js';

type Settings = Required<NativeInfllmSettings>;
const LAY: MemoryLayout = { nLayer: 1, nHead: 4, nHeadKv: 2, headDim: 16 };
const TOY: Settings = { nInit: 4, nLocal: 32, blockSize: 8, topk: 2, reprTopk: 2, chunk: 8, cache: 4, compat: false, kvType: 'f32' };
const MIXED = [13, 1, 7, 29, 1, 1, 40, 3, 20, 2, 9];

describe('InfLLM oracles O9–O15', () => {
  it('O9 ranking invariance: sum (not mean) of queries and keys, times a constant, selects the same blocks', () => {
    const T = 150;
    const inputs = randomInputs(rng(21), LAY, T);
    const mem = createInfllm(LAY, { ...TOY, topk: 3, cache: 3 });
    const run = runNative(mem, LAY, inputs, splitCalls(T, MIXED));
    const { nHead: H, headDim: d } = LAY;
    const reprs = mem.infllmReprs(0);
    const lay = refLayout(LAY);
    let checked = 0;
    for (const rec of run.records.filter((r) => r.scored)) {
      // Unnormalised relevance: 7.3 * sum_i R(q_i) . (r * repr_b), float64.
      const qs = new Float64Array(H * d);
      for (let p = rec.qStart; p < rec.qStart + rec.qLen; p++) {
        const row = Float64Array.from(inputs[0].q.subarray(p * H * d, (p + 1) * H * d));
        for (let h = 0; h < H; h++) ropeRotate(row, h * d, TOY.nLocal - 1, lay);
        row.forEach((x, e) => (qs[e] += 7.3 * x));
      }
      const rel = Array.from({ length: rec.nBlocks }, (_, b) => {
        let s = 0;
        for (let e = 0; e < H * d; e++) s += qs[e] * 2 * reprs[b * H * d + e];
        return s;
      });
      expect(topIndices(rel, 3).sort((a, b) => a - b)).toEqual(rec.selected);
      // The reported (mean-based) scores are the same numbers divided by 7.3 * qLen * r.
      const back = rec.selected.map((b) => rel[b] / (7.3 * rec.qLen * 2));
      expect(maxAbsDiff(rec.scores, back)).toBeLessThan(RELEVANCE_TOL);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('O10 #blocks <= k selects every block unscored; topk 0 = local window + init + tail only', () => {
    const T = 140;
    const inputs = randomInputs(rng(22), LAY, T);
    const few = runNative(createInfllm(LAY, { ...TOY, topk: 6, cache: 6 }), LAY, inputs, splitCalls(T, MIXED));
    const small = few.records.filter((r) => r.nBlocks <= 6);
    expect(small.some((r) => r.nBlocks > 0)).toBe(true);
    for (const r of small) expect({ scored: r.scored, selected: r.selected }).toEqual({ scored: false, selected: [...Array(r.nBlocks).keys()] });
    // No memory: 1-token calls; at query p the blocks made so far (n_init + [0, nb(p) B)) are not
    // attended; every other key sits at distance min(p - j, n_local - 1).
    const s: Settings = { ...TOY, topk: 0, cache: 0 };
    const mem = createInfllm(LAY, s);
    const run = runNative(mem, LAY, inputs, splitCalls(T, Array<number>(T).fill(1)));
    const nb = (p: number) => Math.max(0, Math.floor((p - s.nInit - s.nLocal) / s.blockSize));
    const expected = distanceAttention(refLayout(LAY), inputs[0], (p, j) =>
      j >= s.nInit && j < s.nInit + nb(p) * s.blockSize ? null : Math.min(p - j, s.nLocal - 1),
    );
    expect(maxAbsDiff(run.out[0], expected)).toBeLessThan(OUT_TOL);
    expect(mem.infllmLayer(0).nBlocks).toBeGreaterThan(0);
    for (const r of run.records) expect(r.selected).toEqual([]);
  });

  it('O11 global-order invariance and stage merge: any stage split/order = one softmax (kernel)', () => {
    const rand = rng(23);
    const [nQ, H, Hkv, d, N] = [5, 4, 2, 16, 700];
    const q = Float32Array.from({ length: nQ * H * d }, () => randn(rand));
    const k = Float32Array.from({ length: N * Hkv * d }, () => randn(rand));
    const v = Float32Array.from({ length: N * Hkv * d }, () => rand() * 2 - 1);
    const keysOf = (idx: number[], src: Float32Array) => {
      const out = new Float32Array(idx.length * Hkv * d);
      idx.forEach((j, t) => out.set(src.subarray(j * Hkv * d, (j + 1) * Hkv * d), t * Hkv * d));
      return out;
    };
    // float64 softmax over all keys
    const want = new Float64Array(nQ * H * d);
    for (let i = 0; i < nQ; i++)
      for (let h = 0; h < H; h++) {
        const hk = Math.floor(h / 2);
        const lg = Array.from({ length: N }, (_, j) => {
          let s = 0;
          for (let c = 0; c < d; c++) s += q[(i * H + h) * d + c] * k[(j * Hkv + hk) * d + c];
          return s / 4;
        });
        const m = Math.max(...lg);
        const z = lg.reduce((a, x) => a + Math.exp(x - m), 0);
        lg.forEach((x, j) => {
          for (let c = 0; c < d; c++) want[(i * H + h) * d + c] += (Math.exp(x - m) / z) * v[(j * Hkv + hk) * d + c];
        });
      }
    const api = memoryApi();
    const one = api.attention({ nQ, nHead: H, nHeadKv: Hkv, headDim: d, stages: [{ q, k, v, nKeys: N }] });
    expect(maxAbsDiff(one.out, want)).toBeLessThan(OUT_TOL);
    // Shuffle the keys and cut them into stages of uneven sizes.
    const perm = [...Array(N).keys()].sort(() => rand() - 0.5);
    const cuts = [0, 3, 130, 131, 400, 650, N];
    const stages = cuts.slice(1).map((e, i) => {
      const idx = perm.slice(cuts[i], e);
      return { q, k: keysOf(idx, k), v: keysOf(idx, v), nKeys: idx.length };
    });
    const shuffled = api.attention({ nQ, nHead: H, nHeadKv: Hkv, headDim: d, stages, nThreads: 3 });
    expect(maxAbsDiff(shuffled.out, want)).toBeLessThan(OUT_TOL);
    expect(maxAbsDiff(shuffled.out, one.out)).toBeLessThan(OUT_TOL);
  });

  it('O12 GQA = MHA with each kv head repeated g times (outputs and selections identical)', () => {
    const gqa: MemoryLayout = { nLayer: 1, nHead: 4, nHeadKv: 2, headDim: 16 };
    const mha: MemoryLayout = { ...gqa, nHeadKv: 4 };
    const T = 140;
    const inputs = randomInputs(rng(24), gqa, T);
    const rep = (x: Float32Array) => {
      const out = new Float32Array(x.length * 2);
      for (let t = 0; t < T; t++)
        for (let hk = 0; hk < 2; hk++)
          for (let r = 0; r < 2; r++) out.set(x.subarray((t * 2 + hk) * 16, (t * 2 + hk + 1) * 16), (t * 4 + hk * 2 + r) * 16);
      return out;
    };
    const mhaInputs = [{ q: inputs[0].q, k: rep(inputs[0].k), v: rep(inputs[0].v) }];
    const a = runNative(createInfllm(gqa, TOY), gqa, inputs, splitCalls(T, MIXED));
    const b = runNative(createInfllm(mha, TOY, { nThreads: 2 }), mha, mhaInputs, splitCalls(T, MIXED));
    expect(bitEqual(a.out[0], b.out[0])).toBe(true);
    expect(b.records).toEqual(a.records);
  });

  it('O13 layer independence: changing layer 1 inputs leaves layer 0 unchanged', () => {
    const lay: MemoryLayout = { ...LAY, nLayer: 2 };
    const T = 120;
    const inputs = randomInputs(rng(25), lay, T);
    const other = [inputs[0], randomInputs(rng(26), lay, T)[1]];
    const a = runNative(createInfllm(lay, TOY), lay, inputs, splitCalls(T, MIXED));
    const b = runNative(createInfllm(lay, TOY), lay, other, splitCalls(T, MIXED));
    expect(bitEqual(a.out[0], b.out[0])).toBe(true);
    expect(b.records.filter((r) => r.layer === 0)).toEqual(a.records.filter((r) => r.layer === 0));
    expect(bitEqual(a.out[1], b.out[1])).toBe(false);
  });

  it('O14 determinism (runs and thread counts) and ties broken towards the lowest block id', () => {
    const T = 140;
    const inputs = randomInputs(rng(27), LAY, T);
    const base = runNative(createInfllm(LAY, TOY), LAY, inputs, splitCalls(T, MIXED));
    for (const nThreads of [1, 2, 3, 4]) {
      const r = runNative(createInfllm(LAY, TOY, { nThreads }), LAY, inputs, splitCalls(T, MIXED));
      expect(bitEqual(r.out[0], base.out[0])).toBe(true);
      expect(r.records).toEqual(base.records);
    }
    // Identical keys everywhere: every representative vector is the same, so all relevance
    // scores tie exactly and the lowest ids must win.
    const kConst = Float32Array.from({ length: LAY.nHeadKv * LAY.headDim }, (_, i) => Math.sin(i));
    const tied = [{ ...inputs[0], k: Float32Array.from({ length: inputs[0].k.length }, (_, i) => kConst[i % kConst.length]) }];
    const t = runNative(createInfllm(LAY, { ...TOY, topk: 3, cache: 3 }), LAY, tied, splitCalls(T, MIXED));
    const scored = t.records.filter((r) => r.scored);
    expect(scored.length).toBeGreaterThan(5);
    for (const r of scored) expect(r.selected).toEqual([0, 1, 2]);
  });

  it('O15 no double count (intended mask); compat counts exactly lq-1-i tail keys twice', () => {
    // q = 0 makes every visible (query, key) entry weigh the same; one-hot values then reveal how
    // many times each key is counted: out[c] / min(nonzero out) = multiplicity of key c.
    const T = 60;
    const lay: MemoryLayout = { nLayer: 1, nHead: 1, nHeadKv: 1, headDim: 64 };
    const s: Settings = { nInit: 2, nLocal: 16, blockSize: 4, topk: 64, reprTopk: 1, chunk: 8, cache: 64, compat: false, kvType: 'f32' };
    const rand = rng(28);
    const inputs = [{
      q: new Float32Array(T * 64),
      k: Float32Array.from({ length: T * 64 }, () => randn(rand)),
      v: Float32Array.from({ length: T * 64 }, (_, i) => (Math.floor(i / 64) === i % 64 ? 1 : 0)),
    }];
    const calls = splitCalls(T, [40, 20]);
    const mult = (out: Float32Array, p: number) => {
      const row = Array.from(out.subarray(p * 64, p * 64 + p + 1));
      const unit = Math.min(...row.filter((x) => x > 0));
      return row.map((x) => x / unit);
    };
    const fixed = runNative(createInfllm(lay, s), lay, inputs, calls);
    for (let p = 0; p < T; p++) for (const m of mult(fixed.out[0], p)) expect(Math.abs(m - 1)).toBeLessThan(1e-4);
    const quirk = runNative(createInfllm(lay, { ...s, compat: true }), lay, inputs, calls);
    let exact = 0;
    for (const [c0, c1] of calls)
      for (let a = c0; a < c1; a += s.chunk) {
        const b = Math.min(a + s.chunk, c1);
        const init = Math.min(s.nInit, Math.max(0, a - s.nLocal));
        const remStart = init + Math.max(0, Math.floor((a - s.nInit - s.nLocal) / s.blockSize)) * s.blockSize;
        for (let p = a; p < b; p++) {
          const m = mult(quirk.out[0], p);
          for (const x of m) expect(Math.abs(x - Math.round(x))).toBeLessThan(1e-4);
          const twice = m.filter((x) => Math.round(x) === 2).length;
          // Tail keys [remStart, b - n_local) that are still inside p's window (p - j < n_local).
          const want = Math.max(0, b - s.nLocal - Math.max(remStart, p - s.nLocal + 1));
          expect(twice).toBe(want);
          if (remStart <= a - s.nLocal + 1) {
            expect(twice).toBe(b - 1 - p);
            exact++;
          }
        }
      }
    expect(exact).toBeGreaterThan(20);
  });
});
