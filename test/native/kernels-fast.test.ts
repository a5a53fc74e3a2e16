// The "fast" numerics (native/src/cpu/ifl-qdot.h): llama.cpp's Q8_0 / Q8_1 / Q8_K activation
// quantizers bit for bit against the TypeScript model of test/helpers/q8Reference.ts; every
// quantized type's fast vecDot and matmul against that model's exact value within the float32
// accumulation bound; all variants bit-identical to each other (the numerics are defined
// independently of the SIMD width); batch invariance (token splits, 1 vs 2 threads, vecDot).
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import { makeRng, randomBlocks, rowBytes, typeTraits, type GgmlTypeName } from '../helpers/ggmlReference.js';
import { q8IntegerDot, randomActivations } from '../helpers/dotReference.js';
import { encodeActivations, fastDotReference, quantizeActivations, type ActKind } from '../helpers/q8Reference.js';

const k = loadBinding()._testing.kernels;
const variants = k.variants();
const QUANT: GgmlTypeName[] = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K'];

function firstDiff(a: Uint8Array | Float32Array, b: Uint8Array | Float32Array): number {
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (ua.length !== ub.length) return 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

/** Activations with exact .5 products (ties), zero blocks, a lone value and a wide spread. */
function edgeActivations(n: number, rng: ReturnType<typeof makeRng>): Float32Array[] {
  const ties = new Float32Array(n).map((_, i) => (i % 32 === 0 ? 127 : ((i % 9) - 4) + 0.5)); // amax 127: id = 1
  const tiesK = new Float32Array(n).map((_, i) => (i % 256 === 0 ? -127 : ((i % 7) - 3) + 0.5)); // iscale = 1
  const zero = new Float32Array(n);
  const lone = new Float32Array(n).map((_, i) => (i % 64 === 5 ? -3e-3 : 0));
  // Up to 2^10: Q8_1's s = d * sum(q) stays below the fp16 maximum (tested separately).
  const wide = new Float32Array(n).map(() => (rng.next() - 0.5) * 2 ** rng.int(-20, 10));
  const firstMax = new Float32Array(n).map((_, i) => (i % 256 === 3 ? 2 : i % 256 === 10 ? -2 : rng.next() - 0.5));
  return [ties, tiesK, zero, lone, wide, firstMax];
}

/** n float32 values x in (0, 100) for which round(f32(x * scale)) != round(x * scale) (ties even). */
function productRoundingCases(scale: number, n: number): number[] {
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  const rne = (v: number): number => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
  const out: number[] = [];
  for (let q = 1; q < 127 && out.length < n; q++) {
    f[0] = (q + 0.5) / scale;
    const base = u[0];
    for (let step = -64; step <= 64 && out.length < n; step++) {
      u[0] = base + step;
      const x = f[0];
      if (x < 100 && rne(Math.fround(x * scale)) !== rne(x * scale)) out.push(x);
    }
  }
  return out;
}

describe('activation quantizers are llama.cpp\'s, bit for bit', () => {
  for (const kind of ['q8_0', 'q8_1', 'q8_K'] as ActKind[]) {
    it(kind, () => {
      const rng = makeRng(kind.length * 31 + kind.charCodeAt(3));
      const n = 1024;
      const inputs = [...edgeActivations(n, rng), randomActivations(n, rng.next), randomActivations(n, rng.next, 40), randomActivations(n, rng.next, 1e-4)];
      for (const [i, x] of inputs.entries()) {
        const want = encodeActivations(kind, quantizeActivations(kind, x));
        const got = k.quantizeRow(kind, x);
        const at = firstDiff(got, want);
        expect(at, `input ${i}: byte ${at}`).toBe(-1);
      }
    });
  }

  it('rounds ties to even (llama.cpp x86), not away from zero', () => {
    // amax 127 gives id = 1, so 2.5 -> 2 and -3.5 -> -4 (roundf would give 3 and -4).
    const x = new Float32Array(32).fill(0);
    x[0] = 127, x[1] = 2.5, x[2] = -3.5, x[3] = 0.5;
    const q = new Int8Array(k.quantizeRow('q8_0', x).buffer, 2, 32);
    expect([q[0], q[1], q[2], q[3]]).toEqual([127, 2, -4, 0]);
  });

  it('rounds the f32 product (Q8_0, Q8_1) and the exact product (Q8_K) like llama.cpp', () => {
    // Values x whose f32 product with the block's inverse scale rounds across a .5 boundary, so
    // that rounding the f32 product and rounding the exact product give different quants:
    // llama.cpp's AVX2 Q8_0/Q8_1 code rounds _mm256_mul_ps's result, its Q8_K reference's
    // nearest_int(iscale * x) is one FMA in the golden data's build.
    for (const kind of ['q8_0', 'q8_K'] as ActKind[]) {
      const bs = kind === 'q8_K' ? 256 : 32;
      const amax = 100.37;
      const scale = Math.fround(127 / Math.fround(amax)); // id (q8_0) and iscale (q8_K, max = -amax)
      const hits = productRoundingCases(scale, 31);
      expect(hits.length).toBe(31);
      const x = Float32Array.from({ length: bs }, (_, i) => (i === 0 ? (kind === 'q8_K' ? -amax : amax) : hits[(i - 1) % 31]));
      const blocks = quantizeActivations(kind, x);
      expect(firstDiff(k.quantizeRow(kind, x), encodeActivations(kind, blocks))).toBe(-1);
      // The two roundings really differ on these inputs (so the check above can tell them apart).
      const rounded = hits.map((v) => Math.round(Math.fround(v * scale)) !== Math.round(v * scale));
      expect(rounded.some(Boolean)).toBe(true);
    }
  });

  it('rejects lengths that are not a multiple of the block size and unknown kinds', () => {
    expect(() => k.quantizeRow('q8_K', new Float32Array(128))).toThrow(TypeError);
    expect(() => k.quantizeRow('q4_0' as ActKind, new Float32Array(32))).toThrow(TypeError);
  });
});

describe('fast vecDot vs the exact value of the quantized dot product', () => {
  for (const type of QUANT) {
    it(type, () => {
      const { id, blockSize } = typeTraits[type];
      const rng = makeRng(id * 13 + 5);
      for (const nb of [1, 2, 3, 7]) {
        const n = nb * blockSize;
        const inputs = [1, 1, 1, 1000].map((scale) => randomActivations(n, rng.next, scale)).concat(edgeActivations(n, rng));
        for (const [rep, x] of inputs.entries()) {
          const bytes = randomBlocks(type, nb, rng, { exponentRange: [-8, 2] });
          const { dot, bound } = fastDotReference(type, bytes, 0, x);
          const results = variants.map((v) => k.vecDot(v, id, bytes, x, 'fast'));
          // Tolerance: the float32 accumulation bound of fastDotReference (8 lanes, one FMA per
          // block and term, lane conversion and the 3-level lane tree), a few ulp of the sum of
          // |terms|; the activation quantization itself is modelled exactly.
          expect(Math.abs(results[0] - dot), `n=${n} rep=${rep}: ${results[0]} vs ${dot} (bound ${bound})`).toBeLessThanOrEqual(bound);
          results.forEach((r, i) => expect(Object.is(r, results[0]), `${variants[i]} = ref (n=${n} rep=${rep})`).toBe(true));
        }
      }
    });
  }

  it('is exact when every scale product and lane sum is representable', () => {
    // Q8_0 weights with d = 1 and activations whose block maximum is 127 (id = 1, d = 1): the
    // quantized activations are the integers themselves and every partial sum is an integer < 2^24.
    const { bytes, x, exact } = q8IntegerDot((j) => (j === 0 ? 127 : (j % 7) - 3));
    for (const v of variants) expect(k.vecDot(v, 8, bytes, x, 'fast')).toBe(exact);
  });

  it('overflows Q8_1\'s fp16 sum term to infinity like llama.cpp', () => {
    // 32 activations of 4000 quantize to q = 127, s = fp16(31.5 * 4064) = inf; the min term m * s
    // is then +-inf for a nonzero m (llama.cpp's Q4_1 / Q5_1 dot products give the same).
    const x = new Float32Array(32).fill(4000);
    for (const [type, id] of [['Q4_1', 3], ['Q5_1', 7]] as [GgmlTypeName, number][]) {
      const bytes = randomBlocks(type, 1, makeRng(id));
      const { dot } = fastDotReference(type, bytes, 0, x);
      expect(Number.isFinite(dot)).toBe(false);
      for (const v of variants) expect(k.vecDot(v, id, bytes, x, 'fast')).toBe(dot);
    }
  });

  it('keeps float weights exact and rejects bad numerics', () => {
    const rng = makeRng(3);
    for (const type of ['F32', 'F16', 'BF16'] as GgmlTypeName[]) {
      const bytes = randomBlocks(type, 64, rng);
      const x = randomActivations(64, rng.next);
      expect(k.vecDot('avx2', typeTraits[type].id, bytes, x, 'fast')).toBe(k.vecDot('avx2', typeTraits[type].id, bytes, x, 'exact'));
    }
    expect(() => k.vecDot('avx2', 8, new Uint8Array(34), new Float32Array(32), 'fastest' as 'fast')).toThrow(TypeError);
  });
});

/** [130, nIn] activations and a 37-row weight matrix spanning several 256-column chunks. */
function problem(type: GgmlTypeName): { nIn: number; nOut: number; bytes: Uint8Array; x: Float32Array } {
  const bs = typeTraits[type].blockSize;
  const nIn = bs === 32 ? 352 : 768, nOut = 37;
  const rng = makeRng(typeTraits[type].id + 199);
  const bytes = randomBlocks(type, (nIn / bs) * nOut, rng, { exponentRange: [-8, 0] });
  return { nIn, nOut, bytes, x: randomActivations(130 * nIn, rng.next) };
}

describe('fast matmul', () => {
  for (const type of QUANT) {
    it(`${type}: every output within the bound, all variants equal, batch invariant`, () => {
      const p = problem(type);
      const id = typeTraits[type].id;
      const rb = rowBytes(type, p.nIn);
      const n = 130;
      const batched = k.matmul('ref', id, p.bytes, p.nIn, p.nOut, p.x, n, 1, { numerics: 'fast' });
      for (let t = 0; t < n; t += 7)
        for (let o = 0; o < p.nOut; o++) {
          const { dot, bound } = fastDotReference(type, p.bytes, o * rb, p.x.subarray(t * p.nIn, (t + 1) * p.nIn));
          if (!(Math.abs(batched[t * p.nOut + o] - dot) <= bound)) expect.unreachable(`[${t}, ${o}]: ${batched[t * p.nOut + o]} vs ${dot}`);
        }
      for (const variant of variants) {
        const what = (s: string, at: number): string => `${variant} ${s}: byte ${at}`;
        for (const threads of [1, 2]) {
          const at = firstDiff(k.matmul(variant, id, p.bytes, p.nIn, p.nOut, p.x, n, threads, { numerics: 'fast' }), batched);
          expect(at, what(`${threads} threads`, at)).toBe(-1);
        }
        let t0 = 0;
        for (const len of [1, 1, 2, 3, 5, 17, 64, 37]) {
          const part = k.matmul(variant, id, p.bytes, p.nIn, p.nOut, p.x.subarray(t0 * p.nIn, (t0 + len) * p.nIn), len, 2, { numerics: 'fast' });
          const at = firstDiff(part, batched.subarray(t0 * p.nOut, (t0 + len) * p.nOut));
          expect(at, what(`split ${t0}+${len}`, at)).toBe(-1);
          t0 += len;
        }
        for (const [t, o] of [[0, 0], [5, 36], [129, 17]]) {
          const d = k.vecDot(variant, id, p.bytes.subarray(o * rb, (o + 1) * rb), p.x.subarray(t * p.nIn, (t + 1) * p.nIn), 'fast');
          expect(Object.is(Math.fround(d), batched[t * p.nOut + o]), `${variant} vecDot [${t}, ${o}]`).toBe(true);
        }
      }
    });
  }

  it('reads strided activations and writes strided outputs', () => {
    const p = problem('Q6_K');
    const n = 9, xs = p.nIn + 3, ys = p.nOut + 2;
    const xPad = new Float32Array((n - 1) * xs + p.nIn).fill(Number.NaN);
    for (let t = 0; t < n; t++) xPad.set(p.x.subarray(t * p.nIn, (t + 1) * p.nIn), t * xs);
    const dense = k.matmul('avx2', 14, p.bytes, p.nIn, p.nOut, p.x, n, 2, { numerics: 'fast' });
    const strided = k.matmul('avx2', 14, p.bytes, p.nIn, p.nOut, xPad, n, 2, { numerics: 'fast', xStride: xs, yStride: ys });
    for (let t = 0; t < n; t++) {
      expect(firstDiff(dense.subarray(t * p.nOut, (t + 1) * p.nOut), strided.subarray(t * ys, t * ys + p.nOut))).toBe(-1);
      for (let c = p.nOut; c < ys; c++) expect(strided[t * ys + c]).toBeNaN();
    }
  });

  it('differs from exact numerics by about the activation rounding', () => {
    // Sanity that fast really quantizes: 8-bit activations move each output by ~1e-3 relative.
    const p = problem('Q4_K');
    const fast = k.matmul('avx2', 12, p.bytes, p.nIn, p.nOut, p.x, 4, 1, { numerics: 'fast' });
    const exact = k.matmul('avx2', 12, p.bytes, p.nIn, p.nOut, p.x, 4, 1, { numerics: 'exact' });
    expect(firstDiff(fast, exact)).not.toBe(-1);
    const scale = Math.max(...exact.map(Math.abs));
    for (let i = 0; i < fast.length; i++) expect(Math.abs(fast[i] - exact[i])).toBeLessThan(0.05 * scale);
  });
});
