/**
 * Q4_K row quantizer: llama.cpp's reference algorithm (quantize_row_q4_K_ref without importance
 * weights) in emulated float32, so the bytes equal llama-quantize's.
 *
 *   block_q4_K (144 B, 256 values = 8 sub-blocks of 32):
 *     d: f16 | dmin: f16 | scales: u8[12] (8 × 6-bit scale + 8 × 6-bit min) | qs: u8[128]
 *     value = d · sc[s] · q − dmin · m[s]; sub-block s = 2g + h holds nibble h of qs[32g + l].
 *
 * Per sub-block a scale and min are fitted by make_qkx2_quants (a weighted least-squares search
 * over 21 candidate scales); the 8 scales and mins are then stored as 6-bit multiples of d and
 * dmin, and every value is re-quantized with the stored scales.
 */
import { f16BitsToNumber, f32ToF16Bits } from './floatBits.js';

// Module-local aliases: hot loops must not call through an import binding (bundlers and test
// runners turn those into property reads that block inlining of Math.fround).
const f = Math.fround;
/** llama.cpp nearest_int (round half to even of a float32 value); see floatBits.ts. */
const nearestInt = (v: number): number => f(v + 12582912) - 12582912;

/** Elements per super-block. */
export const QK_K = 256;
const F_0_1 = f(0.1);

/** Scratch buffers reused across blocks. */
interface Scratch {
  L: Uint8Array; // [256] quants 0..15
  Laux: Uint8Array; // [32]
  weights: Float32Array; // [32]
  xm: Float32Array; // [32] x - (current best min)
  /** Results of the last makeQkx2: scale and -min. */
  scale: number;
  negMin: number;
}

/** Σ w·(scale·L + min − x)² over the sub-block, in float32 as llama.cpp sums it. */
function weightedError(x: Float32Array, xo: number, n: number, w: Float32Array, L: Uint8Array, lo: number, scale: number, min: number): number {
  let err = 0;
  for (let i = 0; i < n; i++) {
    const diff = f(f(f(scale * L[lo + i]) + min) - x[xo + i]);
    err = f(err + f(w[i] * f(diff * diff)));
  }
  return err;
}

/**
 * make_qkx2_quants(n, nmax, x, w, L, &min, Laux, rmin = -1, rdelta = 0.1, nstep = 20) for one
 * sub-block x[xo .. xo+n): fills L[lo .. lo+n) with quants in 0..nmax and sets s.scale and
 * s.negMin (= -min >= 0) minimising Σ w (scale·L + min − x)² over 21 candidate scales.
 */
function makeQkx2(x: Float32Array, xo: number, n: number, nmax: number, s: Scratch, lo: number): void {
  const { L, Laux, weights: w, xm } = s;
  let min = x[xo];
  let max = x[xo];
  let sumW = w[0];
  let sumX = f(sumW * x[xo]);
  for (let i = 1; i < n; i++) {
    const xi = x[xo + i];
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    sumW = f(sumW + w[i]);
    sumX = f(sumX + f(w[i] * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    s.scale = 0;
    s.negMin = -min;
    return;
  }
  for (let i = 0; i < n; i++) xm[i] = f(x[xo + i] - min);
  // As in llama.cpp, each candidate is placed relative to the best min found so far: `range`
  // and `xm` follow `min` when a candidate wins.
  let range = f(max - min);
  let iscale = f(nmax / range);
  let scale = f(1 / iscale);
  for (let i = 0; i < n; i++) {
    const l = f(f(iscale * xm[i]) + 12582912) - 12582912; // nearest_int
    L[lo + i] = l < 0 ? 0 : l > nmax ? nmax : l;
  }
  let bestError = weightedError(x, xo, n, w, L, lo, scale, min);
  for (let is = 0; is <= 20; is++) {
    iscale = f(f(f(-1 + f(F_0_1 * is)) + nmax) / range);
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const r = f(f(iscale * xm[i]) + 12582912) - 12582912; // nearest_int
      const l = r < 0 ? 0 : r > nmax ? nmax : r;
      Laux[i] = l;
      const wl = f(w[i] * l);
      sumL = f(sumL + wl);
      sumL2 = f(sumL2 + f(wl * l));
      sumXL = f(sumXL + f(wl * x[xo + i]));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (!(D > 0)) continue;
    let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
    let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
    if (thisMin > 0) {
      thisMin = 0;
      thisScale = f(sumXL / sumL2);
    }
    const curError = weightedError(x, xo, n, w, Laux, 0, thisScale, thisMin);
    if (curError < bestError) {
      L.set(Laux.subarray(0, n), lo);
      bestError = curError;
      scale = thisScale;
      min = thisMin;
      range = f(max - min);
      for (let i = 0; i < n; i++) xm[i] = f(x[xo + i] - min);
    }
  }
  s.scale = scale;
  s.negMin = -min;
}

/** 6-bit scale and min of sub-block j from the 12 packed bytes at `so` (get_scale_min_k4). */
export function scaleMinK4(q: Uint8Array, so: number, j: number): [number, number] {
  if (j < 4) return [q[so + j] & 63, q[so + j + 4] & 63];
  return [(q[so + j + 4] & 0xf) | ((q[so + j - 4] >> 6) << 4), (q[so + j + 4] >> 4) | ((q[so + j] >> 6) << 4)];
}

/** Packs the 8 six-bit scales and mins into 12 bytes at `so`. */
function packScales(out: Uint8Array, so: number, ls: Uint8Array, lm: Uint8Array): void {
  out.fill(0, so, so + 12);
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      out[so + j] = ls[j];
      out[so + j + 4] = lm[j];
    } else {
      out[so + j + 4] = (ls[j] & 0xf) | ((lm[j] & 0xf) << 4);
      out[so + j - 4] |= (ls[j] >> 4) << 6;
      out[so + j] |= (lm[j] >> 4) << 6;
    }
  }
}

/** Q4_K. x.length a multiple of 256; out: [n/256] blocks of 144 B at `o`. */
export function quantizeRowQ4_K(x: Float32Array, out: Uint8Array, o: number): void {
  const s: Scratch = { L: new Uint8Array(QK_K), Laux: new Uint8Array(32), weights: new Float32Array(32), xm: new Float32Array(32), scale: 0, negMin: 0 };
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  const ls = new Uint8Array(8);
  const lm = new Uint8Array(8);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / QK_K; b++) {
    const xo = b * QK_K;
    const bo = o + b * 144;
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = f(sumX2 + f(x[xo + 32 * j + l] * x[xo + 32 * j + l]));
      const avX = f(Math.sqrt(f(sumX2 / 32)));
      for (let l = 0; l < 32; l++) s.weights[l] = f(avX + Math.abs(x[xo + 32 * j + l]));
      makeQkx2(x, xo + 32 * j, 32, 15, s, 32 * j);
      scales[j] = s.scale;
      mins[j] = s.negMin;
      if (scales[j] > maxScale) maxScale = scales[j];
      if (mins[j] > maxMin) maxMin = mins[j];
    }
    const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
    for (let j = 0; j < 8; j++) {
      // uint8_t conversion of nearest_int, then MIN(63, ·), as in C.
      ls[j] = Math.min(63, nearestInt(f(invScale * scales[j])) & 0xff);
      lm[j] = Math.min(63, nearestInt(f(invMin * mins[j])) & 0xff);
    }
    packScales(out, bo + 4, ls, lm);
    const dBits = f32ToF16Bits(f(maxScale / 63));
    const dminBits = f32ToF16Bits(f(maxMin / 63));
    view.setUint16(bo, dBits, true);
    view.setUint16(bo + 2, dminBits, true);
    requantizeQ4_K(x, xo, out, bo, s.L);
  }
}

/**
 * Second half of the Q4_K quantizer: fills the 128 quant bytes of the block at `bo` from its
 * stored d, dmin and 6-bit scales (each value rounded to the nearest step of its sub-block,
 * clamped to 0..15). `L` [256] holds the quants kept for sub-blocks whose scale is 0.
 */
function requantizeQ4_K(x: Float32Array, xo: number, out: Uint8Array, bo: number, L: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const dAll = f16BitsToNumber(view.getUint16(bo, true));
  const dminAll = f16BitsToNumber(view.getUint16(bo + 2, true));
  for (let j = 0; j < 8; j++) {
    const [sc, m] = scaleMinK4(out, bo + 4, j);
    const d = f(dAll * sc);
    if (!d) continue; // keeps make_qkx2's quants, as llama.cpp does
    const dm = f(dminAll * m);
    for (let i = 0; i < 32; i++) {
      const l = nearestInt(f(f(x[xo + 32 * j + i] + dm) / d));
      L[32 * j + i] = Math.max(0, Math.min(15, l));
    }
  }
  for (let g = 0; g < 4; g++) {
    for (let l = 0; l < 32; l++) out[bo + 16 + 32 * g + l] = L[64 * g + l] | (L[64 * g + l + 32] << 4);
  }
}
