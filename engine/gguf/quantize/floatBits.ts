/**
 * Float32 emulation helpers for the quantizers: `f` (round to float32, so each JS operation
 * wrapped in it behaves like one C float operation), llama.cpp's nearest_int, and IEEE binary16
 * encoding (round to nearest even, as F16C / ggml's software path do) and decoding.
 */

/** Rounds to float32: wrap every arithmetic step to reproduce C `float` arithmetic exactly. */
export const f = Math.fround;

/**
 * Round to nearest, ties to even, of a float32 value with |v| < 2^22: llama.cpp's nearest_int
 * (adds 1.5·2^23 in float32 and reads the mantissa).
 */
export function nearestInt(v: number): number {
  return f(v + 12582912) - 12582912;
}

/** roundf(): round half away from zero (exact for float32 inputs). */
export function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 value → binary16 bits, round to nearest even; overflow → ±Inf, NaN → quiet NaN. */
export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // binary16 biased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal result: the value in units of 2^-24 is (1.mant) · 2^(e - 14 + 23) / 2^23.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const m = mant | 0x800000;
    let q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && q & 1)) q++;
    return sign | q;
  }
  let h = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry rolls into the exponent (up to Inf)
  return h;
}

/** binary16 bits → value (exact). */
export function f16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Rounds a float32 value through binary16 (GGML_FP16_TO_FP32(GGML_FP32_TO_FP16(v))). */
export function roundToF16(value: number): number {
  return f16BitsToNumber(f32ToF16Bits(value));
}
