// Native dequantization (reference and fast paths) and fp16 conversions against the independent
// float64 TypeScript model of the GGML formats (test/helpers/ggmlReference.ts).
//
// Exact comparison: every product in these formats is exact in float32 and float64 (at most 23
// significant bits), and the one addition of a min term is rounded once in C (float32 add or FMA
// of an exact product) and once in TS (float64 sum of two float32 values, then Math.fround, which
// double rounding cannot change since 53 >= 2*24 + 2). So both sides must produce identical
// float32 bits, signs of zero included.
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import {
  allTypeNames,
  dequantizeRow,
  edgeBlocks,
  f16ToNumber,
  makeRng,
  numberToF16,
  randomBlocks,
  typeTraits,
  type GgmlTypeName,
} from '../helpers/ggmlReference.js';

const k = loadBinding()._testing.kernels;

function bits(a: ArrayLike<number>): Uint32Array {
  return new Uint32Array(Float32Array.from(a).buffer);
}

/** First index where the float32 bit patterns differ, or -1. */
function firstBitMismatch(expected: Float64Array, actual: Float32Array): number {
  const e = bits(expected), a = bits(actual);
  if (e.length !== a.length) return 0;
  for (let i = 0; i < e.length; i++) if (e[i] !== a[i]) return i;
  return -1;
}

function cases(type: GgmlTypeName, seed: number): { name: string; bytes: Uint8Array; n: number }[] {
  const { blockSize, typeSize } = typeTraits[type];
  const rng = makeRng(seed);
  const nb = blockSize === 1 ? 1027 : 67; // odd counts
  const out = [
    { name: 'random', bytes: randomBlocks(type, nb, rng), n: nb * blockSize },
    { name: 'random, wide exponents', bytes: randomBlocks(type, nb, rng, { exponentRange: [-24, 15] }), n: nb * blockSize },
  ];
  const edge = edgeBlocks(type, rng);
  out.push({ name: 'edge values', bytes: edge, n: (edge.length / typeSize) * blockSize });
  return out;
}

describe('dequantizeRow (native reference) = TS float64 reference, bit for bit', () => {
  for (const type of allTypeNames) {
    it(type, () => {
      for (const c of cases(type, 1000 + typeTraits[type].id)) {
        const expected = dequantizeRow(type, c.bytes, c.n);
        const ref = k.dequantizeRow(typeTraits[type].id, c.bytes, c.n);
        const at = firstBitMismatch(expected, ref);
        expect(at, `${type} ${c.name}: element ${at}: ${expected[at]} vs ${ref[at]}`).toBe(-1);
        const fast = k.dequantizeRowFast(typeTraits[type].id, c.bytes, c.n);
        const atFast = firstBitMismatch(expected, fast);
        expect(atFast, `${type} ${c.name} (fast): element ${atFast}: ${expected[atFast]} vs ${fast[atFast]}`).toBe(-1);
      }
    });
  }

  it('F16 and BF16: every one of the 65536 bit patterns (NaN only checked as NaN)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const bytes = new Uint8Array(all.buffer);
    for (const type of ['F16', 'BF16'] as const) {
      const expected = dequantizeRow(type, bytes, 65536);
      for (const got of [k.dequantizeRow(typeTraits[type].id, bytes, 65536), k.dequantizeRowFast(typeTraits[type].id, bytes, 65536)]) {
        let bad = -1;
        for (let i = 0; i < 65536 && bad < 0; i++) {
          if (Number.isNaN(expected[i])) bad = Number.isNaN(got[i]) ? -1 : i;
          else if (!Object.is(Math.fround(expected[i]), got[i])) bad = i;
        }
        expect(bad, `${type} pattern 0x${bad.toString(16)}`).toBe(-1);
      }
    }
  });

  it('rejects unsupported types and bad lengths with INVALID_ARGUMENT', () => {
    const bytes = new Uint8Array(64);
    expect(() => k.dequantizeRow(9 /* Q8_1 */, bytes, 32)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => k.dequantizeRow(2, bytes, 33)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => k.dequantizeRow(2, bytes, 128)).toThrow(/too short/);
  });
});

describe('fp16 conversions (scalar and F16C)', () => {
  it('binary16 -> float32 is exact for every pattern', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    for (const impl of ['scalar', 'f16c'] as const) {
      const got = k.f16ToF32(all, impl);
      for (let i = 0; i < 65536; i++) {
        const e = f16ToNumber(i);
        if (Number.isNaN(e)) expect(Number.isNaN(got[i])).toBe(true);
        else if (!Object.is(got[i], e)) expect.unreachable(`${impl} 0x${i.toString(16)}: ${got[i]} vs ${e}`);
      }
    }
  });

  it('float32 -> binary16 rounds to nearest even like the float64 model', () => {
    const rng = makeRng(42);
    const xs: number[] = [0, -0, 65504, 65519.99, 65520, -65520, 1e-8, 2 ** -25, 2 ** -24 * 1.5, 2 ** -14, Infinity, -Infinity];
    for (let bits16 = 0; bits16 < 0x7c00; bits16 += 7) {
      const v = f16ToNumber(bits16), next = f16ToNumber(bits16 + 1);
      xs.push(v, -v, (v + next) / 2, Math.fround(v + (next - v) * 0.49), Math.fround(v + (next - v) * 0.51));
    }
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    for (let i = 0; i < 20000; i++) {
      u32[0] = Math.floor(rng.next() * 2 ** 32) & 0xbfffffff; // random float32 bits, |x| < 2
      xs.push(f32[0] * 2 ** rng.int(-30, 18));
    }
    const x = Float32Array.from(xs);
    const expected = Array.from(x, (v) => numberToF16(v));
    for (const impl of ['scalar', 'f16c'] as const) {
      const got = k.f32ToF16(x, impl);
      const bad = expected.findIndex((e, i) => e !== got[i]);
      expect(bad, `${impl}: ${x[bad]} -> 0x${got[bad]?.toString(16)} (expected 0x${expected[bad]?.toString(16)})`).toBe(-1);
    }
  });
});
