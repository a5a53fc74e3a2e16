// vec_dot of every weight type on every available kernel variant against float64
// dequantize-then-dot, with the float32 accumulation bound of test/helpers/dotReference.ts
// (c = ceil(n / L) + log2 L roundings for L lanes). Row lengths cover 1, 2, 3 and 7 blocks /
// super-blocks and, for the 1-element-block types, lengths that are not multiples of the lanes.
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import { allTypeNames, dequantizeRow, makeRng, randomBlocks, typeTraits } from '../helpers/ggmlReference.js';
import { dot64, dotErrorBound, q8IntegerDot, randomActivations } from '../helpers/dotReference.js';

const k = loadBinding()._testing.kernels;
const variants = k.variants();

describe('vecDot vs float64 dequantize-then-dot', () => {
  it('offers the reference and the AVX2 baseline', () => {
    expect(variants.slice(0, 2)).toEqual(['ref', 'avx2']);
  });

  for (const variant of variants) {
    for (const type of allTypeNames) {
      it(`${variant} ${type}`, () => {
        const { id, blockSize } = typeTraits[type];
        const lanes = k.lanes(variant);
        const rng = makeRng(id * 7 + lanes);
        const lengths = blockSize === 1 ? [1, 3, 7, 8, 17, 64, 255, 1000] : [1, 2, 3, 7].map((b) => b * blockSize);
        for (const n of lengths) {
          for (let rep = 0; rep < 4; rep++) {
            const bytes = randomBlocks(type, n / blockSize, rng, { exponentRange: [-8, 2] });
            const x = randomActivations(n, rng.next, rep === 3 ? 1000 : 1);
            const w = dequantizeRow(type, bytes, n).map(Math.fround);
            const { dot, sumAbs } = dot64(w, 0, x, 0, n);
            const got = k.vecDot(variant, id, bytes, x);
            const bound = dotErrorBound(n, lanes, sumAbs);
            expect(Math.abs(got - dot), `n=${n} rep=${rep}: ${got} vs ${dot}, bound ${bound}`).toBeLessThanOrEqual(bound);
          }
        }
      });
    }
  }

  it('is exact when every product and partial sum is representable', () => {
    // Q8_0 with d = 1 and small integer activations: every partial sum is an integer < 2^24.
    const { bytes, x, exact } = q8IntegerDot((j) => (j % 7) - 3);
    for (const variant of variants) expect(k.vecDot(variant, 8, bytes, x)).toBe(exact);
  });

  it('rejects a row length that is not a multiple of the block size and unknown variants', () => {
    const bytes = new Uint8Array(144);
    expect(() => k.vecDot('avx2', 12, bytes, new Float32Array(100))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => k.vecDot('neon' as 'ref', 12, bytes, new Float32Array(256))).toThrow(TypeError);
    if (!variants.includes('avx512')) {
      expect(() => k.vecDot('avx512', 12, bytes, new Float32Array(256))).toThrow(/not available/);
    }
  });
});
