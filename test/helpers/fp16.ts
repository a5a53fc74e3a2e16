/**
 * binary16 helpers for tests of f16 storage, on top of the independent binary16 reference in
 * ggmlReference.ts (written from the format, not from the native conversions): the nearest
 * binary16 value of a number and the spacing of binary16 values.
 */
import { f16ToNumber, numberToF16 } from './ggmlReference.js';

/** Spacing of binary16 values at |x| (the subnormal spacing 2^-24 below 2^-14). */
export function f16Ulp(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -14) return 2 ** -24;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 10);
}

/** binary16 value nearest to x (ties to even; overflow from 65520 → ±Infinity), as a number. */
export function toF16(x: number): number {
  return f16ToNumber(numberToF16(x));
}
