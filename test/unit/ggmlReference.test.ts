// Checks of the TypeScript GGML reference itself (test/helpers/ggmlReference.ts) against values
// worked out by hand from the block layouts, so that the kernel tests compare against a
// reference that is known to be right, not just consistent with the native code.
import { describe, expect, it } from 'vitest';
import {
  bf16ToNumber,
  dequantizeRow,
  f16ToNumber,
  makeRng,
  numberToF16,
  randomBlocks,
  typeTraits,
  allTypeNames,
  type GgmlTypeName,
} from '../helpers/ggmlReference.js';

/** One zero-filled block of `type` with some bytes set: [offset, byte][] and u16 fields. */
function block(type: GgmlTypeName, bytes: [number, number][], halves: [number, number][] = []): Uint8Array {
  const b = new Uint8Array(typeTraits[type].typeSize);
  const v = new DataView(b.buffer);
  for (const [o, x] of bytes) b[o] = x;
  for (const [o, h] of halves) v.setUint16(o, h, true);
  return b;
}
const ONE = 0x3c00; // fp16 1.0
const TWO = 0x4000; // fp16 2.0

describe('fp16 / bf16 helpers', () => {
  it('decodes known binary16 patterns', () => {
    expect(f16ToNumber(0x3c00)).toBe(1);
    expect(f16ToNumber(0xc000)).toBe(-2);
    expect(f16ToNumber(0x7bff)).toBe(65504);
    expect(f16ToNumber(0x0001)).toBe(2 ** -24);
    expect(f16ToNumber(0x0400)).toBe(2 ** -14);
    expect(f16ToNumber(0x3555)).toBeCloseTo(0.333251953125, 15);
    expect(Object.is(f16ToNumber(0x8000), -0)).toBe(true);
    expect(f16ToNumber(0x7c00)).toBe(Infinity);
    expect(f16ToNumber(0x7e00)).toBeNaN();
  });

  it('numberToF16 inverts f16ToNumber on every finite pattern and rounds half to even', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      expect(numberToF16(f16ToNumber(bits))).toBe(bits);
    }
    expect(numberToF16(1 + 2 ** -11)).toBe(0x3c00); // tie → even (1.0)
    expect(numberToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (1 + 2^-9)
    expect(numberToF16(65519)).toBe(0x7bff);
    expect(numberToF16(65520)).toBe(0x7c00); // rounds up to 2^16: overflow
    expect(numberToF16(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24 → even (0)
    expect(numberToF16(1.5 * 2 ** -24)).toBe(0x0002);
  });

  it('decodes bf16 as the top half of a float32', () => {
    expect(bf16ToNumber(0x3f80)).toBe(1);
    expect(bf16ToNumber(0xc0a0)).toBe(-5);
    expect(bf16ToNumber(0x0001)).toBe(2 ** -133);
  });
});

describe('dequantizeRow on hand-made blocks', () => {
  it('Q4_0, Q4_1: low nibbles first, then high nibbles', () => {
    const q40 = dequantizeRow('Q4_0', block('Q4_0', [[2, 0x9f], [17, 0x02]], [[0, TWO]]), 32);
    expect([q40[0], q40[16], q40[15], q40[31], q40[1]]).toEqual([14, 2, -12, -16, -16]);
    const q41 = dequantizeRow('Q4_1', block('Q4_1', [[4, 0x9f]], [[0, TWO], [2, 0xbc00]]), 32);
    expect([q41[0], q41[16], q41[1]]).toEqual([29, 17, -1]);
  });

  it('Q5_0, Q5_1: qh bit e is the fifth bit of element e', () => {
    const b = block('Q5_0', [[2, 0x01], [5, 0x80], [6, 0x21]], [[0, ONE]]);
    const v = dequantizeRow('Q5_0', b, 32);
    // element 0: nibble 1 | 16 → 17 - 16 = 1; element 16: nibble 2, bit 16 clear → 2 - 16;
    // element 31: nibble 0 | bit 31 → 16 - 16 = 0; element 1: 0 - 16.
    expect([v[0], v[16], v[31], v[1]]).toEqual([1, -14, 0, -16]);
    const w = dequantizeRow('Q5_1', block('Q5_1', [[4, 0x02], [8, 0x03]], [[0, ONE], [2, 0x3800]]), 32);
    expect([w[0], w[1], w[16]]).toEqual([3.5, 16.5, 0.5]);
  });

  it('Q8_0: signed bytes times d', () => {
    const v = dequantizeRow('Q8_0', block('Q8_0', [[2, 0x80], [33, 0x7f]], [[0, 0xb800]]), 32);
    expect([v[0], v[31], v[1]]).toEqual([64, -63.5, -0]);
  });

  it('Q2_K: sub-block scale/min nibbles and 2-bit fields', () => {
    // element 0: scales[0] = 0x21 (scale 1, min 2), qs[0] bits 0-1 = 3 → 2*1*3 - 1*2 = 4
    // element 48 (n=0, j=1, h=1, l=0): qs[16] bits 2-3, scales[3]
    // element 200 (n=1, j=2, h=0, l=8): qs[32+8] bits 4-5, scales[12]
    const b = block('Q2_K', [[0, 0x21], [16, 0x03], [3, 0x05], [16 + 16, 0x0c], [12, 0x13], [16 + 40, 0x20]], [[80, TWO], [82, ONE]]);
    const v = dequantizeRow('Q2_K', b, 256);
    // element 200: q = 0x20 >> 4 & 3 = 2, scales[12] = 0x13 → 2*3*2 - 1*1 = 11; element 1: 0 - 2
    expect([v[0], v[48], v[200], v[1]]).toEqual([4, 30, 11, -2]);
  });

  it('Q3_K: 6-bit packed scales, hmask bit set means no -4', () => {
    // scale 0: low nibble of byte 96 = 1, high bits (byte 104 & 3) = 2 → 33 - 32 = 1
    // element 160 = n=1, j=1, h=0 → sub-block 10: low nibble = byte (96+2) >> 4,
    // high bits = (byte (104+2) >> 4) & 3.
    const b = block('Q3_K', [[96, 0x01], [104, 0x02], [98, 0x50], [106, 0x20], [32, 0x02], [0, 0x01], [32 + 32, 0x0c], [0 + 0, 0x21]], [[108, ONE]]);
    const v = dequantizeRow('Q3_K', b, 256);
    // element 0: q = 2, hmask[0] bit 0 set → 2; scale 1 → 2
    // element 160: qs[32+0] >> 2 & 3 = 3, hmask[0] bit 5 set → 3; scale 10: (5 | 2<<4) - 32 = 5 → 15
    // element 16: qs[16] = 0, hmask[16] bit 0 clear → -4; scale 1: byte 97 low = 0, hi = byte 105 &3 = 0 → -32 → 128
    expect([v[0], v[160], v[16]]).toEqual([2, 15, 128]);
  });

  it('Q4_K, Q5_K: scale/min packing of sub-blocks 0..7 and the qh bit', () => {
    // sub-block 0: sc = byte4 & 63, m = byte8 & 63; sub-block 5: sc = (byte13 & 15) | (byte5 >> 6) << 4,
    // m = (byte13 >> 4) | (byte9 >> 6) << 4.
    const bytes: [number, number][] = [[4, 0x03], [8, 0x01], [13, 0x72], [5, 0x40], [9, 0xc0], [16, 0x05], [16 + 64, 0x90]];
    const v = dequantizeRow('Q4_K', block('Q4_K', bytes, [[0, ONE], [2, TWO]]), 256);
    // element 0: 1*3*5 - 2*1 = 13; element 160 (g=2, h=1, l=0, sub-block 5): q = 0x90 >> 4 = 9,
    // sc = 2 | 1<<4 = 18, m = 7 | 3<<4 = 55 → 162 - 110 = 52
    expect([v[0], v[160]]).toEqual([13, 52]);
    const b5: [number, number][] = [[4, 0x03], [8, 0x01], [48, 0x05], [16, 0x01], [16 + 1, 0x02]];
    const w = dequantizeRow('Q5_K', block('Q5_K', b5, [[0, ONE], [2, TWO]]), 256);
    // element 0: q = 5 + 16 = 21 → 63 - 2 = 61; element 33 (g=0,h=1,l=1): qh[1] bit 1 set → q = 0 + 16,
    // sub-block 1: sc = byte5 & 63 = 0 → 0 - 2*(byte9 & 63 = 0) = 0
    expect([w[0], w[33]]).toEqual([61, 0]);
  });

  it('Q6_K: ql/qh quarters and int8 scales', () => {
    // element 0: ql[0] low = 0xf, qh[0] bits 0-1 = 3 → 63 - 32 = 31, scale[0] = -2, d = 2 → -124
    // element 96+17 = 113 (n=0, k=3, l=17): ql[32+17] high nibble, qh[17] bits 6-7, scale[6+1]
    const b = block('Q6_K', [[0, 0x0f], [128, 0x03], [192, 0xfe], [49, 0x40], [128 + 17, 0x80], [199, 0x03]], [[208, TWO]]);
    const v = dequantizeRow('Q6_K', b, 256);
    // element 113: q = 4 | 2<<4 = 36 → 4, scale 3, d 2 → 24
    expect([v[0], v[113]]).toEqual([-124, 24]);
  });
});

describe('randomBlocks', () => {
  it('produces finite values with the requested scale exponents for every type', () => {
    const rng = makeRng(7);
    for (const t of allTypeNames) {
      const n = typeTraits[t].blockSize * 5;
      const v = dequantizeRow(t, randomBlocks(t, n / typeTraits[t].blockSize, rng), n);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(v.some((x) => x !== 0)).toBe(true);
    }
  });
});
