// Forward-pass ops (native/src/cpu/ifl-ops.h) against float64 references. Tolerances are in
// units of u = 2^-24 (float32 unit roundoff) relative to the reference value, derived from the
// operation counts documented in ifl-ops.h; the exp polynomial's bound (E_EXP) is the
// documented 2 ulp = 4u for normal results.
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import { makeRng } from '../helpers/ggmlReference.js';

const ops = loadBinding()._testing.ops;
const u = 2 ** -24;
const E_EXP = 4 * u; // 2 ulp: ulp(v) <= 2u|v| for normal v
const MIN_NORMAL = 2 ** -126;
const MIN_SUB = 2 ** -149;
const rng = makeRng(2024);

function randomF32(n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

describe('exp polynomial', () => {
  it('is within 2 ulp of exp for normal results, gradual below, 0/inf/NaN at the ends', () => {
    const xs: number[] = [0, -0, 1e-30, -1e-30, 1, -1, 0.34657359, -0.34657359, 88.72, -87.33, -87.34, -100, -103.9];
    for (let i = 0; i <= 200000; i++) xs.push(-104 + (192.72 * i) / 200000);
    for (let i = 0; i < 50000; i++) xs.push(rng.uniform(-20, 20));
    const x = Float32Array.from(xs);
    const got = ops.exp(x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const e = Math.exp(x[i]);
      const err = Math.abs(got[i] - e);
      if (e >= MIN_NORMAL) {
        worst = Math.max(worst, err / e / u);
        if (!(err <= E_EXP * e)) expect.unreachable(`exp(${x[i]}) = ${got[i]}, expected ${e}`);
      } else if (!(err <= E_EXP * e + MIN_SUB)) {
        expect.unreachable(`exp(${x[i]}) = ${got[i]} (subnormal range), expected ${e}`);
      }
    }
    expect(worst).toBeGreaterThan(0); // the comparison saw rounding, i.e. it compared real values
    const special = ops.exp(Float32Array.from([88.8, 1000, Infinity, -104.5, -1000, -Infinity, Number.NaN]));
    expect(Array.from(special.subarray(0, 6))).toEqual([Infinity, Infinity, Infinity, 0, 0, 0]);
    expect(special[6]).toBeNaN();
  });
});

describe('element-wise ops are single float32 roundings', () => {
  it('add, mul, scale equal Math.fround of the float64 result bit for bit (all lengths, tails)', () => {
    for (const n of [0, 1, 7, 8, 9, 100, 1027]) {
      const a = randomF32(n, -1e3, 1e3), b = randomF32(n, -1e-2, 1e2);
      const s = Math.fround(rng.uniform(-3, 3));
      expect(Array.from(ops.add(a, b))).toEqual(Array.from(a, (v, i) => Math.fround(v + b[i])));
      expect(Array.from(ops.mul(a, b))).toEqual(Array.from(a, (v, i) => Math.fround(v * b[i])));
      expect(Array.from(ops.scale(a, s))).toEqual(Array.from(a, (v) => Math.fround(v * s)));
    }
  });
});

describe('silu_mul', () => {
  it('is within exp error + 3u of g / (1 + e^-g) * u', () => {
    for (const n of [1, 8, 13, 4096]) {
      const g = randomF32(n, -30, 30), up = randomF32(n, -4, 4);
      if (n === 4096) g.set([0, -0, 88, -88, -95, 120, 1e-20, -1e-20]);
      const got = ops.siluMul(g, up);
      for (let i = 0; i < n; i++) {
        const ref = (g[i] / (1 + Math.exp(-g[i]))) * up[i];
        // exp error enters 1 + e with a weight <= 1; then the add, the divide and the multiply.
        // Below g = -88.72, e^-g overflows to inf and the result flushes to a signed zero: allowed
        // up to the true magnitude |g * up| e^g (< 1e-36).
        const flush = g[i] < -88.72 ? Math.abs(g[i] * up[i]) * Math.exp(g[i]) * 1.01 : 0;
        const tol = (E_EXP + 3 * u) * Math.abs(ref) + 4 * MIN_SUB + flush;
        if (!(Math.abs(got[i] - ref) <= tol)) expect.unreachable(`silu(${g[i]}) * ${up[i]} = ${got[i]}, expected ${ref}`);
      }
    }
  });
});

describe('softmax', () => {
  it('matches the float64 softmax within (exp error + 4u + |x - max| u) per element', () => {
    for (const n of [1, 2, 7, 8, 31, 1000]) {
      const x = randomF32(n, -15, 15);
      if (n === 1000) x.set([-Infinity, -Infinity, 40, 39.99999]);
      const got = ops.softmax(x);
      const m = Math.max(...x);
      const e = Array.from(x, (v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let i = 0; i < n; i++) {
        const ref = e[i] / sum;
        if (ref === 0) {
          expect(got[i]).toBe(0); // masked (-inf) entries
          continue;
        }
        // x - max rounds (abs error <= |x - max| u, relative error of exp the same), exp, the
        // float32 reciprocal of the (double) sum, and the final multiply.
        const tol = (E_EXP + (4 + Math.abs(x[i] - m)) * u) * ref + MIN_SUB;
        if (!(Math.abs(got[i] - ref) <= tol)) expect.unreachable(`n=${n} [${i}] ${got[i]} vs ${ref}`);
      }
      if (n === 1000) expect([got[0], got[1]]).toEqual([0, 0]);
    }
  });

  it('a row of only -inf gives NaN like the formula', () => {
    expect(Array.from(ops.softmax(Float32Array.from([-Infinity, -Infinity]))).every(Number.isNaN)).toBe(true);
  });
});

describe('rms_norm', () => {
  it('is within 3u of x / sqrt(mean(x^2) + eps) * w, with and without weights', () => {
    for (const n of [1, 7, 64, 896, 2049]) {
      const x = randomF32(n, -5, 5), w = randomF32(n, -2, 2);
      const eps = 1e-6;
      const ms = x.reduce((a, v) => a + v * v, 0) / n;
      const scale = 1 / Math.sqrt(ms + Math.fround(eps));
      const withW = ops.rmsNorm(x, w, eps), noW = ops.rmsNorm(x, null, eps);
      for (let i = 0; i < n; i++) {
        // float32 rounding of the scale, then two float32 products (each <= u relative).
        for (const [got, ref] of [[withW[i], x[i] * scale * w[i]], [noW[i], x[i] * scale]]) {
          if (!(Math.abs(got - ref) <= 3 * u * Math.abs(ref))) expect.unreachable(`n=${n} [${i}] ${got} vs ${ref}`);
        }
      }
    }
  });

  it('stays finite and correct when x^2 would overflow float32', () => {
    const x = Float32Array.from([3e30, -4e30, 0, 1]);
    const ms = (9e60 + 16e60 + 1) / 4;
    expect(ops.rmsNorm(x, null, 1e-5)[1]).toBeCloseTo(-4e30 / Math.sqrt(ms), 6);
  });
});

describe('argmax', () => {
  it('returns the first maximum, ignores NaN, handles -inf and empty input', () => {
    expect(ops.argmax(new Float32Array(0))).toBe(-1);
    expect(ops.argmax(Float32Array.from([1, 3, 3, 2]))).toBe(1);
    expect(ops.argmax(Float32Array.from([Number.NaN, 1, Number.NaN, 2, 2]))).toBe(3);
    expect(ops.argmax(Float32Array.from([Number.NaN, Number.NaN]))).toBe(0);
    expect(ops.argmax(Float32Array.from([-Infinity, -Infinity]))).toBe(0);
    const big = randomF32(32003, -10, 10);
    big[20001] = 11;
    big[30000] = 11;
    big[9] = Number.NaN;
    expect(ops.argmax(big)).toBe(20001);
    const x = randomF32(777, -1, 1);
    let best = 0;
    for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
    expect(ops.argmax(x)).toBe(best);
  });
});
