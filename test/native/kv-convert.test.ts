/**
 * Stored key/value element types (native/src/cpu/ifl-kv-convert, ifl-kv-type.h):
 *   - f16 round trip equals an independent binary16 rounding (round to nearest even, written here
 *     from the format: 11 significant bits, subnormals below 2^-14, overflow from 65520);
 *   - q8 round trip equals the documented rule computed here in float32 arithmetic (scale =
 *     max|row| / 127, q = round-half-even(x * (127 / max|row|)), value = q * scale) and stays within
 *     half a quantum of the input;
 *   - the attention kernel over f16 / q8 stages gives exactly (bit for bit) what it gives over f32
 *     stages holding the decoded values: decoding per tile changes no arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import type { KernelProblem, KernelStage } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeKvType } from '../../engine/binding/ModelBinding.js';
import { toF16 } from '../helpers/fp16.js';
import { roundHalfEven } from '../helpers/ggmlReference.js';
import { bitEqual, memoryApi, randn, rng } from '../helpers/memoryHarness.js';

const memio = () => loadBinding()._testing.memio;
const f = Math.fround;

function q8Row(row: Float32Array): number[] {
  let amax = 0;
  for (const x of row) amax = Math.max(amax, Math.abs(x));
  if (amax === 0) return Array.from(row, () => 0);
  const scale = f(amax / 127);
  const inv = f(127 / amax);
  return Array.from(row, (x) => f(Math.max(-127, Math.min(127, roundHalfEven(f(x * inv)))) * scale));
}

function values(rand: () => number, n: number): Float32Array {
  // normals at scales from 1e-6 to 1e4 (subnormal f16 range to near overflow), plus edge cases
  const scales = [1e-6, 1e-3, 1, 30, 1e4];
  const out = Float32Array.from({ length: n }, (_, i) => randn(rand) * scales[i % scales.length]);
  out.set([0, -0, 65504, 65519, 65520, -70000, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1 + 2 ** -11, 1 + 3 * 2 ** -11]);
  return out;
}

describe('stored element types', () => {
  it('f16: round to nearest even, subnormals and overflow as binary16', () => {
    const x = values(rng(3), 4096);
    const got = memio().kvRoundTrip('f16', x, 16);
    const want = Float32Array.from(x, toF16);
    expect(bitEqual(got, want)).toBe(true);
  });

  it('q8: one scale per row, round half to even, error <= half a quantum', () => {
    const rand = rng(4);
    const d = 24;
    const x = Float32Array.from({ length: 200 * d }, (_, i) => randn(rand) * (i < d ? 0 : [0.01, 1, 100][Math.floor(i / d) % 3]));
    const got = memio().kvRoundTrip('q8', x, d);
    const want = new Float32Array(x.length);
    for (let r = 0; r < x.length / d; r++) want.set(q8Row(x.subarray(r * d, (r + 1) * d)), r * d);
    expect(bitEqual(got, want)).toBe(true);
    for (let r = 0; r < x.length / d; r++) {
      const row = x.subarray(r * d, (r + 1) * d);
      const amax = Math.max(...Array.from(row, Math.abs));
      // half a quantum (amax / 254), plus float32 rounding of the scale and the product
      for (let c = 0; c < d; c++) expect(Math.abs(got[r * d + c] - row[c])).toBeLessThanOrEqual((amax / 254) * (1 + 1e-5));
    }
    expect(Array.from(got.subarray(0, d))).toEqual(Array(d).fill(0)); // an all-zero row
  });

  const shapes = [
    { nQ: 1, nHead: 4, nHeadKv: 2, headDim: 64 },
    { nQ: 20, nHead: 4, nHeadKv: 2, headDim: 20 },
    { nQ: 9, nHead: 6, nHeadKv: 2, headDim: 8 },
  ];
  for (const type of ['f16', 'q8'] as NativeKvType[])
    for (const sh of shapes)
      it(`attention over ${type} stages equals attention over their decoded f32 values (nQ ${sh.nQ}, d ${sh.headDim})`, () => {
        const rand = rng(9);
        const stage = (nKeys: number, extra: Partial<KernelStage>): KernelStage => ({
          q: Float32Array.from({ length: sh.nQ * sh.nHead * sh.headDim }, () => randn(rand)),
          k: Float32Array.from({ length: nKeys * sh.nHeadKv * sh.headDim }, () => randn(rand) * 1.5),
          v: Float32Array.from({ length: nKeys * sh.nHeadKv * sh.headDim }, () => rand() * 2 - 1),
          nKeys,
          ...extra,
        });
        // a local band (f32, with scores), two block-like stages (head-major, 300 keys: several
        // segments and a partial tile) and a token-major tail band
        const local = stage(100, { qPos0: 400, kPos0: 320, dMin: 0, dMax: 63, score: true });
        const b1 = stage(300, { kvRowStride: sh.headDim, kvHeadStride: 300 * sh.headDim });
        const b2 = stage(37, { kvRowStride: sh.headDim, kvHeadStride: 37 * sh.headDim });
        const tail = stage(50, { qPos0: 400, kPos0: 200, dMin: 64 });
        const typed = (s: KernelStage): KernelStage => ({ ...s, kvType: type });
        const decoded = (s: KernelStage): KernelStage => ({
          ...s,
          k: memio().kvRoundTrip(type, s.k, sh.headDim),
          v: memio().kvRoundTrip(type, s.v, sh.headDim),
        });
        for (const nThreads of [1, 2]) {
          const p = (stages: KernelStage[]): KernelProblem => ({ ...sh, nThreads, stages });
          const a = memoryApi().attention(p([local, typed(b1), typed(b2), typed(tail)]));
          const b = memoryApi().attention(p([local, decoded(b1), decoded(b2), decoded(tail)]));
          expect(bitEqual(a.out, b.out)).toBe(true);
          expect(bitEqual(a.scores[0]!, b.scores[0]!)).toBe(true);
        }
        expect(() => memoryApi().attention({ ...sh, stages: [{ ...typed(b2), score: true }] })).toThrow(
          expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/needs f32 keys/) }),
        );
      });
});
