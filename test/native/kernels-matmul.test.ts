// matmul against float64 references for odd shapes, every type, 1 and 2 threads and every
// variant; batch invariance (bitwise: one-token calls = one batched call = any token split =
// any thread count = vecDot); strided inputs/outputs; get_row exactness.
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import { allTypeNames, dequantizeRow, makeRng, randomBlocks, rowBytes, typeTraits, type GgmlTypeName } from '../helpers/ggmlReference.js';
import { dequantizeMatrix, dot64, dotErrorBound, randomActivations } from '../helpers/dotReference.js';

const k = loadBinding()._testing.kernels;
const variants = k.variants();
const TOKENS = [1, 2, 3, 5, 17, 64, 130];

/** A shape per type: n_out odd and not a multiple of any tile; n_in spans 2+ column chunks (256). */
function shape(type: GgmlTypeName): { nIn: number; nOut: number } {
  const bs = typeTraits[type].blockSize;
  return { nIn: bs === 1 ? 301 : bs === 32 ? 352 : 768, nOut: 37 };
}

interface Problem {
  type: GgmlTypeName;
  nIn: number;
  nOut: number;
  bytes: Uint8Array;
  w: Float64Array;
  x: Float32Array; // [130, nIn]
}

function problem(type: GgmlTypeName): Problem {
  const { nIn, nOut } = shape(type);
  const rng = makeRng(typeTraits[type].id + 99);
  const bytes = randomBlocks(type, (nIn / typeTraits[type].blockSize) * nOut, rng, { exponentRange: [-8, 0] });
  const w = dequantizeMatrix(type, bytes, nIn, nOut, rowBytes(type, nIn));
  return { type, nIn, nOut, bytes, w, x: randomActivations(130 * nIn, rng.next) };
}

function sameBits(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (ua.length !== ub.length) return 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

describe('matmul vs float64 reference', () => {
  for (const type of allTypeNames) {
    it(type, () => {
      const p = problem(type);
      const id = typeTraits[type].id;
      for (const nTokens of TOKENS) {
        const x = p.x.subarray(0, nTokens * p.nIn);
        for (const variant of variants) {
          const lanes = k.lanes(variant);
          for (const threads of [1, 2]) {
            const y = k.matmul(variant, id, p.bytes, p.nIn, p.nOut, x, nTokens, threads);
            expect(y.length).toBe(nTokens * p.nOut);
            for (let t = 0; t < nTokens; t++) {
              for (let o = 0; o < p.nOut; o++) {
                const { dot, sumAbs } = dot64(p.w, o * p.nIn, x, t * p.nIn, p.nIn);
                const err = Math.abs(y[t * p.nOut + o] - dot);
                if (!(err <= dotErrorBound(p.nIn, lanes, sumAbs))) {
                  expect.unreachable(`${variant} t=${threads} n_tokens=${nTokens} [${t}, ${o}]: ${y[t * p.nOut + o]} vs ${dot}`);
                }
              }
            }
          }
        }
      }
    });
  }
});

describe('batch invariance (bitwise)', () => {
  for (const type of allTypeNames) {
    it(type, () => {
      const p = problem(type);
      const id = typeTraits[type].id;
      const n = 130;
      for (const variant of variants) {
        const batched = k.matmul(variant, id, p.bytes, p.nIn, p.nOut, p.x, n, 1);
        const what = (s: string, at: number): string => `${variant} ${s}: token ${Math.floor(at / p.nOut)} row ${at % p.nOut}`;
        // 2 threads, one call
        let at = sameBits(batched, k.matmul(variant, id, p.bytes, p.nIn, p.nOut, p.x, n, 2));
        expect(at, what('2 threads', at)).toBe(-1);
        // token splits (decode path for single tokens, odd tile remainders elsewhere)
        for (const split of [[1, 1, 1, 2, 3, 5, 17, 100], Array(n).fill(1) as number[]]) {
          let t0 = 0;
          for (const len of split) {
            const xs = p.x.subarray(t0 * p.nIn, (t0 + len) * p.nIn);
            for (const threads of [1, 2]) {
              const part = k.matmul(variant, id, p.bytes, p.nIn, p.nOut, xs, len, threads);
              at = sameBits(batched.subarray(t0 * p.nOut, (t0 + len) * p.nOut), part);
              expect(at, what(`split at ${t0}+${len}, ${threads} threads`, t0 * p.nOut + at)).toBe(-1);
            }
            t0 += len;
            if (split.length === n && t0 >= 9) break; // 9 single-token calls are enough
          }
        }
        // vecDot is the same computation as one matmul output
        for (const [t, o] of [[0, 0], [5, 36], [129, 17]]) {
          const row = p.bytes.subarray(o * rowBytes(type, p.nIn), (o + 1) * rowBytes(type, p.nIn));
          const d = k.vecDot(variant, id, row, p.x.subarray(t * p.nIn, (t + 1) * p.nIn));
          expect(Object.is(Math.fround(d), batched[t * p.nOut + o]), `${variant} vecDot [${t}, ${o}]`).toBe(true);
        }
      }
    });
  }
});

describe('avx512-emu reproduces avx512', () => {
  // The emulation runs the AVX-512 variant's templates with the same constants and lane-sum
  // tree on AVX2, so every output must match bit for bit on CPUs that have AVX-512.
  it.skipIf(!variants.includes('avx512'))('bitwise, every type, decode and prefill', () => {
    for (const type of allTypeNames) {
      const p = problem(type);
      for (const n of [1, 3, 130]) {
        const x = p.x.subarray(0, n * p.nIn);
        const real = k.matmul('avx512', typeTraits[type].id, p.bytes, p.nIn, p.nOut, x, n, 2);
        const emu = k.matmul('avx512-emu', typeTraits[type].id, p.bytes, p.nIn, p.nOut, x, n, 1);
        expect(sameBits(real, emu), `${type} n_tokens=${n}`).toBe(-1);
      }
    }
  });
});

describe('matmul strides', () => {
  it('reads strided activations and writes strided outputs, leaving padding untouched', () => {
    const p = problem('Q4_K');
    const n = 17, xs = p.nIn + 5, ys = p.nOut + 3;
    const xPad = new Float32Array((n - 1) * xs + p.nIn).fill(Number.NaN);
    for (let t = 0; t < n; t++) xPad.set(p.x.subarray(t * p.nIn, (t + 1) * p.nIn), t * xs);
    for (const variant of variants) {
      const dense = k.matmul(variant, 12, p.bytes, p.nIn, p.nOut, p.x, n, 2);
      const strided = k.matmul(variant, 12, p.bytes, p.nIn, p.nOut, xPad, n, 2, { xStride: xs, yStride: ys });
      expect(strided.length).toBe(n * ys);
      for (let t = 0; t < n; t++) {
        expect(sameBits(dense.subarray(t * p.nOut, (t + 1) * p.nOut), strided.subarray(t * ys, t * ys + p.nOut))).toBe(-1);
        for (let c = p.nOut; c < ys; c++) expect(strided[t * ys + c]).toBeNaN();
      }
    }
  });

  it('rejects inconsistent sizes', () => {
    const p = problem('Q8_0');
    expect(() => k.matmul('avx2', 8, p.bytes, p.nIn, p.nOut, p.x, 1000, 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => k.matmul('avx2', 8, p.bytes.subarray(1), p.nIn, p.nOut, p.x, 1, 1)).toThrow(/too short/);
    expect(() => k.matmul('avx2', 8, p.bytes, p.nIn + 1, p.nOut, p.x, 1, 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('get_row', () => {
  it('returns each type\'s exact dequantized row', () => {
    for (const type of allTypeNames) {
      const p = problem(type);
      for (const row of [0, 20, p.nOut - 1]) {
        const expected = dequantizeRow(type, p.bytes, p.nIn, row * rowBytes(type, p.nIn));
        const got = k.getRow(typeTraits[type].id, p.bytes, p.nIn, p.nOut, row);
        expect(sameBits(Float32Array.from(expected), got), `${type} row ${row}`).toBe(-1);
      }
    }
  });

  it('rejects a row out of range', () => {
    const p = problem('F16');
    expect(() => k.getRow(1, p.bytes, p.nIn, p.nOut, p.nOut)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => k.getRow(1, p.bytes, p.nIn, p.nOut, -1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
