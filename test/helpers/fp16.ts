/**
 * IEEE binary16 written here from the format (1 sign, 5 exponent, 10 mantissa bits; subnormals
 * below 2^-14; overflow from 65520), independent of the native conversions: the nearest binary16
 * value of a number (ties to even) and the value of binary16 bits.
 */

/** Round half to even of v. */
export function roundHalfEven(v: number): number {
  const fl = Math.floor(v);
  const diff = v - fl;
  if (diff > 0.5) return fl + 1;
  if (diff < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** Spacing of binary16 values at |x| (the subnormal spacing 2^-24 below 2^-14). */
export function f16Ulp(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -14) return 2 ** -24;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 10);
}

/** binary16 value nearest to x (ties to even), as a number. */
export function toF16(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  const ulp = f16Ulp(a);
  const r = roundHalfEven(a / ulp) * ulp;
  return x < 0 || Object.is(x, -0) ? -r : r; // the sign survives, also for values rounding to 0
}

/** The value of binary16 bits h. */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
