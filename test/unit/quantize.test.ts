/**
 * Quantizers (engine/gguf/quantize) → the independent float64 dequantizer of
 * test/helpers/ggmlReference.ts: per-element error bounds on random data (stated per type next to
 * each check), rounding to the nearest point of each block's grid, edge blocks, sizes and
 * argument checks. Byte-exactness against llama-quantize output is in test/model/quantize-golden.
 */
import { describe, expect, it } from 'vitest';
import { quantizeRow, quantizedBytes, QUANT_TYPES, type QuantType } from '../../engine/gguf/quantize/quantizeRow.js';
import { dequantizeRow, f16ToNumber, makeRng, numberToF16, type Rng } from '../helpers/ggmlReference.js';

/** A standard normal draw (Box-Muller) from the reference's seeded PRNG. */
function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Random test rows: normal values whose scale changes every `span` values by 10^U(lo, hi)
 * (default 10^U(-4, 2): blocks of very different magnitude side by side, fp16 subnormal scales
 * included), plus (unless `spikes` is false) 1% of values 8 times larger.
 */
function randomRow(n: number, span: number, seed: number, spikes = true, [lo, hi] = [-4, 2]): Float32Array {
  const rng = makeRng(seed);
  const x = new Float32Array(n);
  let scale = 1;
  for (let i = 0; i < n; i++) {
    if (i % span === 0) scale = 10 ** rng.uniform(lo, hi);
    x[i] = normal(rng) * scale * (spikes && rng.next() < 0.01 ? 8 : 1);
  }
  return x;
}

/** Collects failed checks so that a loop over 10^5 elements makes one assertion, not 10^5. */
class Violations {
  readonly list: string[] = [];
  check(ok: boolean, what: () => string): void {
    if (!ok && this.list.length < 5) this.list.push(what());
  }
}

/** Max of |v| over x[from, to). */
function amax(x: Float32Array, from: number, to: number): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

const F16_EPS = 2 ** -11; // relative rounding error of a normal binary16 value

/** Largest |v - fp16(v)|: half an ulp, 2^-11·v in the normal range, 2^-25 in the subnormal range. */
function f16Err(v: number): number {
  return Math.max(Math.abs(v) * F16_EPS, 2 ** -25);
}
// The quantizers compute x·(1/d) and similar products in float32: relative slack 1e-5 covers
// a few float32 roundings (2^-24 each) on top of the exact-math bounds below.
const SLACK = 1 + 1e-5;

describe('F16', () => {
  it('rounds every value to the nearest binary16 (ties to even), as the reference encoder does', () => {
    const rng = makeRng(7);
    const xs: number[] = [0, -0, 1, -2, 65504, 65519, 65520, 1e6, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1e-9, 1 + 2 ** -11, 1 + 3 * 2 ** -11];
    for (let i = 0; i < 20_000; i++) xs.push((rng.next() < 0.5 ? -1 : 1) * 2 ** rng.uniform(-27, 17));
    const x = Float32Array.from(xs);
    const bytes = quantizeRow('F16', x);
    const view = new DataView(bytes.buffer);
    const bad = new Violations();
    for (let i = 0; i < x.length; i++) bad.check(view.getUint16(2 * i, true) === numberToF16(x[i]), () => `bits of ${x[i]}`);
    // Bound: |x - x̂| <= 2^-11 |x| for |x| in the normal range (nearest value, half an ulp).
    const back = dequantizeRow('F16', bytes, x.length);
    for (let i = 0; i < x.length; i++) {
      const normal = Math.abs(x[i]) >= 2 ** -14 && Math.abs(x[i]) <= 65504;
      bad.check(!normal || Math.abs(x[i] - back[i]) <= F16_EPS * Math.abs(x[i]), () => `error at ${x[i]}`);
    }
    expect(bad.list).toEqual([]);
  });
});

describe('Q8_0 and Q4_0', () => {
  const x = randomRow(32 * 4000, 32, 11);

  it('Q8_0: |x - x̂| <= d/2 + 127·|d - d̂| per element, d = amax/127, d̂ = fp16(d)', () => {
    const back = dequantizeRow('Q8_0', quantizeRow('Q8_0', x), x.length);
    const bad = new Violations();
    let worst = 0;
    for (let b = 0; b < x.length / 32; b++) {
      const d = amax(x, 32 * b, 32 * b + 32) / 127;
      const bound = (d / 2 + 127 * f16Err(d)) * SLACK;
      for (let i = 32 * b; i < 32 * b + 32; i++) {
        const err = Math.abs(x[i] - back[i]);
        bad.check(err <= bound, () => `x[${i}] = ${x[i]}: error ${err} > ${bound}`);
        worst = Math.max(worst, err / d);
      }
    }
    expect(bad.list).toEqual([]);
    expect(worst).toBeGreaterThan(0.45); // the bound is reached, not vacuous
  });

  it('Q4_0: |x - x̂| <= |d|/2 + 8|d - d̂| (|d| + … for the clamped top step), d = max/-8', () => {
    const back = dequantizeRow('Q4_0', quantizeRow('Q4_0', x), x.length);
    const bad = new Violations();
    for (let b = 0; b < x.length / 32; b++) {
      let max = 0;
      for (let i = 32 * b; i < 32 * b + 32; i++) if (Math.abs(x[i]) > Math.abs(max)) max = x[i];
      const d = max / -8;
      for (let i = 32 * b; i < 32 * b + 32; i++) {
        // q = min(15, trunc(x/d + 8.5)): x/d up to 7.5 rounds to nearest; above, 8 clamps to 7.
        const step = x[i] / d <= 7.5 ? 0.5 : 1;
        const bound = (Math.abs(d) * step + 8 * f16Err(d)) * SLACK;
        bad.check(Math.abs(x[i] - back[i]) <= bound, () => `x[${i}] = ${x[i]}: error ${Math.abs(x[i] - back[i])} > ${bound}`);
      }
      // The element of largest magnitude is exact up to the fp16 rounding of d.
      const iMax = x.subarray(32 * b, 32 * b + 32).findIndex((v) => v === max) + 32 * b;
      bad.check(Math.abs(back[iMax] - max) <= 8 * f16Err(d) * SLACK, () => `block ${b}: extreme ${max} → ${back[iMax]}`);
    }
    expect(bad.list).toEqual([]);
  });
});

/** The grid of one K-quant sub-block: every value the format can store there. */
function kGrid(type: 'Q4_K' | 'Q6_K', block: Uint8Array, s: number): number[] {
  const v = new DataView(block.buffer, block.byteOffset, block.byteLength);
  if (type === 'Q6_K') {
    // d: f16 at 208, scales: int8[16] at 192 (ggml-common.h block_q6_K); value = d·sc·(q - 32).
    const D = f16ToNumber(v.getUint16(208, true)) * v.getInt8(192 + s);
    return Array.from({ length: 64 }, (_, q) => D * (q - 32));
  }
  // d, dmin: f16 at 0, 2; 12 bytes of 6-bit scales/mins at 4 (block_q4_K); value = d·sc·q − dmin·m.
  const sc = (j: number): [number, number] =>
    j < 4
      ? [block[4 + j] & 63, block[8 + j] & 63]
      : [(block[8 + j] & 15) | ((block[j] >> 6) << 4), (block[8 + j] >> 4) | ((block[4 + j] >> 6) << 4)];
  const [scale, min] = sc(s);
  const D = f16ToNumber(v.getUint16(0, true)) * scale;
  const M = f16ToNumber(v.getUint16(2, true)) * min;
  return Array.from({ length: 16 }, (_, q) => D * q - M);
}

describe.each([
  // [type, sub-block size, quality bound c]: |x - x̂| <= c · (sub-block range), the range being
  // max - min(0, min) for Q4_K (15 steps) and 2·amax for Q6_K (63 steps). An ideal min/max grid
  // gives c = 1/30 and 1/126 (half a step); llama.cpp's least-squares fit may clip the extreme
  // element and its 6-bit / 8-bit stored scales round the step, so the bound is one full ideal
  // step, c = 1/15 and 1/63 (measured worst on these rows: 0.058 and 0.0106).
  ['Q4_K', 32, 1 / 15],
  ['Q6_K', 16, 1 / 63],
] as const)('%s', (type, sub, c) => {
  const x = randomRow(256 * 200, sub, 23);
  const bytes = quantizeRow(type, x);
  const back = dequantizeRow(type, bytes, x.length);
  const typeSize = type === 'Q4_K' ? 144 : 210;

  it(`rounds every element to the nearest value of its sub-block's grid (|x - x̂| <= step/2 inside the grid)`, () => {
    const bad = new Violations();
    for (let b = 0; b < x.length / 256; b++) {
      const block = bytes.subarray(b * typeSize, (b + 1) * typeSize);
      for (let s = 0; s < 256 / sub; s++) {
        const grid = kGrid(type, block, s);
        for (let i = b * 256 + s * sub; i < b * 256 + (s + 1) * sub; i++) {
          const nearest = Math.min(...grid.map((g) => Math.abs(x[i] - g)));
          // x̂ is on the grid (float32 rounding of the products only) and no grid point is nearer.
          const onGrid = Math.min(...grid.map((g) => Math.abs(back[i] - g))) <= 1e-6 * Math.abs(back[i]);
          const err = Math.abs(x[i] - back[i]);
          bad.check(onGrid && err <= nearest * SLACK + 1e-6 * Math.abs(x[i]), () => `x[${i}] = ${x[i]} → ${back[i]}, nearest grid error ${nearest}`);
        }
      }
    }
    expect(bad.list).toEqual([]);
  });

  it(`|x - x̂| <= c · sub-block range (c = ${c === 1 / 15 ? '1/15' : '1/63'}) when magnitudes change per super-block`, () => {
    // Magnitudes 0.1..100 keep every scale in fp16's normal range (smaller ones reach its
    // subnormals, where the absolute quantum 2^-24 of d makes any relative bound fail).
    const y = randomRow(256 * 600, 256, 29, false, [-1, 2]);
    const yBack = dequantizeRow(type, quantizeRow(type, y), y.length);
    const bad = new Violations();
    let worst = 0;
    for (let s = 0; s < y.length / sub; s++) {
      let lo = 0;
      let hi = -Infinity;
      for (let i = s * sub; i < (s + 1) * sub; i++) {
        lo = Math.min(lo, y[i]);
        hi = Math.max(hi, y[i]);
      }
      const range = type === 'Q4_K' ? hi - lo : 2 * amax(y, s * sub, (s + 1) * sub);
      for (let i = s * sub; i < (s + 1) * sub; i++) {
        const err = Math.abs(y[i] - yBack[i]);
        bad.check(err <= c * range * SLACK, () => `y[${i}] = ${y[i]}: error ${err} > ${c} · ${range}`);
        worst = Math.max(worst, err / range);
      }
    }
    expect(bad.list).toEqual([]);
    expect(worst).toBeGreaterThan(c / 3); // the bound is not vacuous
  });
});

describe('edge blocks and sizes', () => {
  it.each(QUANT_TYPES)('%s: zeros stay zero, constant and single-spike blocks stay within bounds', (type) => {
    const n = 512;
    const zeros = new Float32Array(n);
    expect(Array.from(dequantizeRow(type, quantizeRow(type, zeros), n)).every((v) => v === 0)).toBe(true);
    const constant = new Float32Array(n).fill(-0.3);
    const cBack = dequantizeRow(type, quantizeRow(type, constant), n);
    // A constant block is the block's extreme: exact up to fp16 scale rounding (relative 2^-11), or
    // for Q4_K one step of its 6-bit min (0.3/63/2).
    for (const v of cBack) expect(Math.abs(v + 0.3)).toBeLessThanOrEqual(type === 'Q4_K' ? 0.3 / 63 : 0.3 * 2 * F16_EPS);
    const spike = new Float32Array(n);
    spike[100] = 5;
    const sBack = dequantizeRow(type, quantizeRow(type, spike), n);
    expect(Math.abs(sBack[100] - 5)).toBeLessThanOrEqual(type === 'Q4_K' ? 5 / 15 : 5 * 2 * F16_EPS);
    expect(sBack.filter((v, i) => i !== 100 && v !== 0)).toHaveLength(0);
  });

  it('sizes match ggml-common.h and bad lengths or buffers are refused', () => {
    const sizes: Record<QuantType, number> = { F32: 1024, F16: 512, Q8_0: 272, Q4_0: 144, Q4_K: 144, Q6_K: 210 };
    for (const t of QUANT_TYPES) expect(quantizedBytes(t, 256)).toBe(sizes[t]);
    expect(() => quantizedBytes('Q4_K', 100)).toThrow(RangeError);
    expect(() => quantizeRow('Q8_0', new Float32Array(33))).toThrow(/33 values/);
    expect(() => quantizeRow('Q6_K', new Float32Array(256), new Uint8Array(209))).toThrow(RangeError);
    // Writing at an offset touches exactly the block's bytes.
    const out = new Uint8Array(300).fill(0xaa);
    quantizeRow('Q6_K', randomRow(256, 16, 5), out, 40);
    expect(out.subarray(0, 40).every((b) => b === 0xaa) && out.subarray(250).every((b) => b === 0xaa)).toBe(true);
  });
});
