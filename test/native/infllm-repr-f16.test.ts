/**
 * Representative rows in the memory's repr element type (native/src/infllm/ifl-infllm-repr.h):
 * f32 for f32 blocks, f16 (round to nearest even) for f16 and q8 blocks. Against a float64
 * reference written here: the rows themselves, block relevance scored over them (f32 query mean ·
 * f16 row, AVX2+F16C) and the top-k selection; save / open / fork with f16 rows (full mapped
 * pages included: > 64 blocks) continue bit for bit; the mapped-byte stats count 2-byte rows.
 *
 * The memory is filled with fillKv (representative scores stay 0, so each head's representative
 * tokens are the block's first repr_topk tokens: ties go to the lowest index, spec §2.7); probe
 * calls of 1–8 queries are then made and rolled back, so every probe scores the same blocks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { MemoryLayout, RetrievalRecord, TestMemory } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings, NativeKvType } from '../../engine/binding/ModelBinding.js';
import { f16Ulp, toF16 } from '../helpers/fp16.js';
import { makeTempDir } from '../helpers/gguf.js';
import { ropeRotate, topIndices, type LayerInput } from '../helpers/infllmReference.js';
import { bitEqual, createInfllm, nativeCall, randomInputs, refLayout, rng } from '../helpers/memoryHarness.js';

type Settings = Required<NativeInfllmSettings>;
const S: Settings = { nInit: 4, nLocal: 32, blockSize: 8, topk: 4, reprTopk: 3, chunk: 8, cache: 4, compat: false, kvType: 'f32' };
const NB = 70; // blocks: one full repr page of 64 rows + a partial one, and not a multiple of 4
const T = S.nInit + NB * S.blockSize + S.nLocal + 5;
const U = 2 ** -24; // float32 unit roundoff
// Row lengths 64 (two 32-element steps of the f16 kernel) and 42 (32 + one 8-element step + a
// zero-padded tail of 2 elements).
const LAYOUTS: MemoryLayout[] = [
  { nLayer: 2, nHead: 4, nHeadKv: 2, headDim: 16 },
  { nLayer: 2, nHead: 3, nHeadKv: 1, headDim: 14, neox: true },
];
const tmp = makeTempDir('repr-f16');
afterAll(() => tmp.cleanup());

interface RefRow {
  /** float64 mean of the block's first repr_topk raw keys, per element. */
  mean: Float64Array;
  /** The stored value: mean rounded to f16 (f16 / q8 blocks) or the mean itself (f32). */
  stored: Float64Array;
  /** Error bound of a float32 mean: r - 1 additions and a division, <= (r + 1) u (sum |k|) / r. */
  eps: Float64Array;
  /**
   * Elements whose f16 rounding the native float32 mean may take the other way: only when
   * [mean - eps, mean + eps] holds an f16 rounding boundary (the two results are one ulp apart).
   */
  ambiguous: boolean[];
}

function refRows(lay: MemoryLayout, k: Float32Array, f16: boolean): RefRow[] {
  const { nHead: H, nHeadKv: Hkv, headDim: d } = lay;
  const r = S.reprTopk;
  return Array.from({ length: NB }, (_, b) => {
    const mean = new Float64Array(H * d);
    const eps = new Float64Array(H * d);
    const ambiguous: boolean[] = [];
    for (let h = 0; h < H; h++)
      for (let c = 0; c < d; c++) {
        let sum = 0;
        let abs = 0;
        for (let t = 0; t < r; t++) {
          const x = k[((S.nInit + b * S.blockSize + t) * Hkv + Math.floor(h / (H / Hkv))) * d + c];
          sum += x;
          abs += Math.abs(x);
        }
        mean[h * d + c] = sum / r;
        eps[h * d + c] = ((r + 1) * U * abs) / r;
        ambiguous.push(f16 && toF16(sum / r - eps[h * d + c]) !== toF16(sum / r + eps[h * d + c]));
      }
    return { mean, stored: f16 ? mean.map(toF16) : mean.slice(), eps, ambiguous };
  });
}

/** float64 mean over the probe's queries of q rotated at n_local - 1 (spec §2.8). */
function queryMean(lay: MemoryLayout, q: Float32Array): Float64Array {
  const row = lay.nHead * lay.headDim;
  const n = q.length / row;
  const qm = new Float64Array(row);
  for (let i = 0; i < n; i++) {
    const x = Float64Array.from(q.subarray(i * row, (i + 1) * row));
    for (let h = 0; h < lay.nHead; h++) ropeRotate(x, h * lay.headDim, S.nLocal - 1, refLayout(lay));
    x.forEach((v, e) => (qm[e] += v / n));
  }
  return qm;
}

/**
 * Relevance of every block and its tolerance. Float32 arithmetic: the query mean (RoPE ~2u
 * relative, a mean of n terms n u) and a dot product of `len` terms, each error bounded by
 * (len + n + 4) u sum|q_e row_e| (the standard gamma bound; a worst case, ~1e-4 here). Plus, per
 * ambiguous element, one f16 ulp times |q_e|.
 */
function relevance(qm: Float64Array, rows: RefRow[], nq: number, stored: boolean): { score: number[]; tol: number[] } {
  const len = qm.length;
  const score: number[] = [];
  const tol: number[] = [];
  for (const row of rows) {
    const v = stored ? row.stored : row.mean;
    let s = 0;
    let abs = 0;
    let amb = 0;
    for (let e = 0; e < len; e++) {
      s += qm[e] * v[e];
      abs += Math.abs(qm[e] * v[e]);
      if (row.ambiguous[e]) amb += Math.abs(qm[e]) * f16Ulp(row.mean[e]);
    }
    score.push(s);
    tol.push((len + nq + 4) * U * abs + amb);
  }
  return { score, tol };
}

interface Probe {
  inputs: LayerInput[];
  records: RetrievalRecord[];
  out: Float32Array[];
}

/** Probe calls of 1..8 queries at position T, each rolled back (same blocks for all). */
function probe(mem: TestMemory, lay: MemoryLayout, seed: number, n: number): Probe[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const inputs = randomInputs(rand, lay, [1, 3, 8][i % 3]);
    const r = nativeCall(mem, lay, inputs, false);
    mem.rollbackCall();
    return { inputs, records: r.records, out: r.out };
  });
}

function filled(lay: MemoryLayout, kvType: NativeKvType, seed: number): { mem: TestMemory; k: Float32Array } {
  const fill = randomInputs(rng(seed), { ...lay, nLayer: 1 }, T)[0];
  const mem = createInfllm(lay, { ...S, kvType });
  mem.fillKv(fill.k, fill.v);
  expect(mem.infllmLayer(0).nBlocks).toBe(NB);
  return { mem, k: fill.k };
}

describe.each(LAYOUTS.map((lay) => [`${lay.nHead}x${lay.headDim}`, lay] as const))('representative rows, row %s', (_, lay) => {
  it.each(['f32', 'f16', 'q8'] as const)('%s blocks: rows, relevance and top-k against the float64 reference', (kvType) => {
    const f16 = kvType !== 'f32';
    const { mem, k } = filled(lay, kvType, 71);
    const rows = refRows(lay, k, f16);
    // The stored rows: f16 values equal to the reference rounding except where it is ambiguous
    // (then one f16 ulp away); f32 rows within the float32 mean's error and not all f16 values.
    for (let il = 0; il < lay.nLayer; il++) {
      const got = mem.infllmReprs(il);
      let exact = 0;
      rows.forEach((row, b) =>
        row.mean.forEach((m, e) => {
          const x = got[b * row.mean.length + e];
          if (f16) {
            expect(toF16(x)).toBe(x);
            if (x === row.stored[e]) exact++;
            else expect([row.ambiguous[e], Math.abs(x - row.stored[e])]).toEqual([true, f16Ulp(m)]);
          } else {
            expect(Math.abs(x - m)).toBeLessThanOrEqual(row.eps[e]);
            if (toF16(x) === x) exact++;
          }
        }),
      );
      if (f16) expect(exact).toBeGreaterThan(0.99 * got.length);
      else expect(exact).toBeLessThan(0.01 * got.length);
    }
    // Scores and selections of every probe.
    let compared = 0;
    let selections = 0;
    let unroundedOff = 0;
    let worst = 0; // max |native - reference| / tolerance
    for (const p of probe(mem, lay, 72, 18)) {
      expect(p.records.length).toBe(lay.nLayer);
      for (const rec of p.records) {
        expect([rec.nBlocks, rec.scored, rec.selected.length]).toEqual([NB, true, S.topk]);
        const qm = queryMean(lay, p.inputs[rec.layer].q);
        const { score, tol } = relevance(qm, rows, rec.qLen, true);
        rec.selected.forEach((b, i) => {
          expect(Math.abs(rec.scores[i] - score[b])).toBeLessThanOrEqual(tol[b]);
          worst = Math.max(worst, Math.abs(rec.scores[i] - score[b]) / tol[b]);
          compared++;
        });
        // Where the reference's k-th and (k+1)-th scores are further apart than both
        // tolerances, no rounding within the tolerances can swap them: the sets must agree.
        const order = topIndices(score, S.topk + 1);
        const [kth, next] = [order[S.topk - 1], order[S.topk]];
        if (score[kth] - score[next] > tol[kth] + tol[next]) {
          expect(rec.selected).toEqual(order.slice(0, S.topk).sort((a, b) => a - b));
          selections++;
        }
        // The unrounded rows would not fit these tolerances for f16 rows: the test sees rounding.
        const raw = relevance(qm, rows, rec.qLen, false).score;
        if (rec.selected.some((b, i) => Math.abs(rec.scores[i] - raw[b]) > tol[b])) unroundedOff++;
      }
    }
    const amb = rows.reduce((n, r) => n + r.ambiguous.filter(Boolean).length, 0);
    console.log(
      `${kvType} blocks, row ${rows[0].mean.length}: ${compared} scores, max |Δ|/tol ${worst.toFixed(3)}, ` +
        `${amb} ambiguous f16 roundings, ${selections} selections compared, ${unroundedOff} records off with unrounded rows`,
    );
    expect(compared).toBe(18 * lay.nLayer * S.topk);
    expect(selections).toBeGreaterThan(0.8 * 18 * lay.nLayer);
    if (f16) expect(unroundedOff).toBeGreaterThan(0.5 * 18 * lay.nLayer);
    else expect(unroundedOff).toBe(0);
  });

  it('f16 rows: save → open (mapped full page) and fork continue bit for bit; mapped bytes count 2-byte rows', () => {
    const { mem } = filled(lay, 'f16', 73);
    const dir = `${tmp.dir}/mem-${lay.nHead}x${lay.headDim}`;
    mem.save(dir);
    const opened = createInfllm(lay, { ...S, kvType: 'f16' }, { open: dir });
    const fork = opened.fork();
    const row = lay.nHead * lay.headDim;
    for (let il = 0; il < lay.nLayer; il++) {
      expect(bitEqual(opened.infllmReprs(il), mem.infllmReprs(il))).toBe(true);
      expect(bitEqual(fork.infllmReprs(il), mem.infllmReprs(il))).toBe(true);
    }
    // Mapped: every block record (K and V f16 [nHeadKv, 8, headDim], padded to 64 bytes) and the
    // one full page of 64 f16 rows per layer (the partial page is copied so rows can follow).
    const record = Math.ceil((2 * lay.nHeadKv * S.blockSize * lay.headDim * 2) / 64) * 64;
    expect(opened.stats().bytesMapped).toBe(lay.nLayer * (NB * record + 64 * row * 2));
    // Continue all three with the same calls (new blocks are cut: rows 70.. follow the
    // adopted ones), then probe: identical outputs and records.
    const more = randomInputs(rng(74), lay, 40);
    for (const m of [mem, opened, fork]) nativeCall(m, lay, more);
    expect(opened.infllmLayer(0).nBlocks).toBeGreaterThan(NB);
    const [a, b, c] = [mem, opened, fork].map((m) => probe(m, lay, 75, 6));
    for (const other of [b, c])
      other.forEach((p, i) => {
        expect(p.records).toEqual(a[i].records);
        for (let il = 0; il < lay.nLayer; il++) expect(bitEqual(p.out[il], a[i].out[il])).toBe(true);
      });
  });
});
