/**
 * Float64 reference dot products and the float32 accumulation error bound the kernel tests use.
 *
 * Bound: a variant with L lanes accumulates each lane's m = ceil(n / L) products with one FMA
 * (one rounding) each, then adds the L lanes in a log2(L)-level tree. By the standard analysis
 * of recursive summation (Higham, "Accuracy and Stability of Numerical Algorithms", 3.1), the
 * result differs from the exact sum by at most gamma_c * sum_k |w_k x_k| with
 * c = m + log2(L) and gamma_c = c u / (1 - c u), u = 2^-24. The float64 reference itself is
 * exact to ~n * 2^-53 relative, negligible here.
 */
import { dequantizeRow, type GgmlTypeName } from './ggmlReference.js';

/** Unit roundoff of float32. */
export const U32 = 2 ** -24;

/** The accumulation error bound for n products on a variant with `lanes` lanes. */
export function dotErrorBound(n: number, lanes: number, sumAbs: number): number {
  const c = Math.ceil(n / lanes) + Math.log2(lanes);
  return ((c * U32) / (1 - c * U32)) * sumAbs;
}

/** Float32 weights (exact dequantized values) of an [nOut, nIn] matrix, rows concatenated. */
export function dequantizeMatrix(type: GgmlTypeName, bytes: Uint8Array, nIn: number, nOut: number, rowBytes: number): Float64Array {
  const out = new Float64Array(nIn * nOut);
  for (let o = 0; o < nOut; o++) out.set(dequantizeRow(type, bytes, nIn, o * rowBytes).map(Math.fround), o * nIn);
  return out;
}

/** Exact-ish float64 dot of w[wOff..wOff+n) and x[xOff..xOff+n), and sum |w_k x_k|. */
export function dot64(w: ArrayLike<number>, wOff: number, x: ArrayLike<number>, xOff: number, n: number): { dot: number; sumAbs: number } {
  let dot = 0, sumAbs = 0;
  for (let k = 0; k < n; k++) {
    const p = w[wOff + k] * x[xOff + k];
    dot += p;
    sumAbs += Math.abs(p);
  }
  return { dot, sumAbs };
}

/** n float32 activations uniform in [-scale, scale). */
export function randomActivations(n: number, next: () => number, scale = 1): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (next() * 2 - 1) * scale;
  return x;
}

/**
 * Three Q8_0 blocks (d = 1, quants ((b * 32 + j) * 37) % 255 - 127 for block b, element j), the
 * activations x[b * 32 + j] = xOf(j) and their exact dot product: with small integer activations
 * every product and partial sum is an integer < 2^24, so every float32 summation order is exact.
 */
export function q8IntegerDot(xOf: (j: number) => number): { bytes: Uint8Array; x: Float32Array; exact: number } {
  const bytes = new Uint8Array(34 * 3);
  const view = new DataView(bytes.buffer);
  const x = new Float32Array(96);
  let exact = 0;
  for (let b = 0; b < 3; b++) {
    view.setUint16(b * 34, 0x3c00, true);
    for (let j = 0; j < 32; j++) {
      const q = (((b * 32 + j) * 37) % 255) - 127;
      view.setInt8(b * 34 + 2 + j, q);
      x[b * 32 + j] = xOf(j);
      exact += q * x[b * 32 + j];
    }
  }
  return { bytes, x, exact };
}
