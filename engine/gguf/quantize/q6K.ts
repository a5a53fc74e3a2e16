/**
 * Q6_K row quantizer: llama.cpp's reference algorithm (quantize_row_q6_K_ref without importance
 * weights) in emulated float32, so the bytes equal llama-quantize's.
 *
 *   block_q6_K (210 B, 256 values = 16 sub-blocks of 16):
 *     ql: u8[128] (low 4 bits) | qh: u8[64] (high 2 bits) | scales: int8[16] | d: f16
 *     value = d · scales[s] · (q − 32), q in 0..63.
 *   Element e = 128n + 32k + l (k = 0..3): low nibble (k >> 1) of ql[64n + 32(k & 1) + l], high
 *   bits 2k..2k+1 of qh[32n + l]; sub-block s = e / 16.
 *
 * Per sub-block make_qx_quants fits a signed scale (x²-weighted least squares over 19 candidate
 * scales); the 16 scales are stored as int8 multiples of d = max |scale| / 128.
 */
import { f16BitsToNumber, f32ToF16Bits } from './floatBits.js';
import { QK_K } from './q4K.js';

// Module-local aliases: hot loops must not call through an import binding (bundlers and test
// runners turn those into property reads that block inlining of Math.fround).
const f = Math.fround;
/** llama.cpp nearest_int (round half to even of a float32 value); see floatBits.ts. */
const nearestInt = (v: number): number => f(v + 12582912) - 12582912;

const GROUP_MAX_EPS = f(1e-15);
const F_0_1 = f(0.1);

/** Σ w·x·l and Σ w·l² over a sub-block quantized with `iscale`, w = x² (rmse_type 1). */
function fitSums(x: Float32Array, xo: number, n: number, nmax: number, iscale: number): [number, number] {
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i];
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * xi))));
    const w = f(xi * xi);
    sumlx = f(sumlx + f(f(w * xi) * l));
    suml2 = f(suml2 + f(f(w * l) * l));
  }
  return [sumlx, suml2];
}

/** make_qx_quants(n, nmax, x, L, rmse_type = 1): fills L[lo..lo+n) (biased by nmax) and returns the scale. */
function makeQx(x: Float32Array, xo: number, n: number, nmax: number, L: Uint8Array, lo: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  const fill = (iscale: number): void => {
    for (let i = 0; i < n; i++) L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * x[xo + i]))));
  };
  let iscale = f(-nmax / max);
  fill(iscale);
  let [sumlx, suml2] = fitSums(x, xo, n, nmax, iscale);
  let scale = suml2 ? f(sumlx / suml2) : 0;
  let best = f(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f(-f(nmax + f(F_0_1 * is)) / max);
    [sumlx, suml2] = fitSums(x, xo, n, nmax, iscale);
    if (suml2 > 0 && f(sumlx * sumlx) > f(best * suml2)) {
      fill(iscale);
      scale = f(sumlx / suml2);
      best = f(scale * sumlx);
    }
  }
  return scale;
}

/** Q6_K. x.length a multiple of 256; out: [n/256] blocks of 210 B at `o`. */
export function quantizeRowQ6_K(x: Float32Array, out: Uint8Array, o: number): void {
  const L = new Uint8Array(QK_K); // quants biased by 32, 0..63
  const scales = new Float32Array(16);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / QK_K; b++) {
    const xo = b * QK_K;
    const bo = o + b * 210;
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let s = 0; s < 16; s++) {
      scales[s] = makeQx(x, xo + 16 * s, 16, 32, L, 16 * s);
      if (Math.abs(scales[s]) > maxAbsScale) {
        maxAbsScale = Math.abs(scales[s]);
        maxScale = scales[s];
      }
    }
    out.fill(0, bo, bo + 210);
    if (maxAbsScale < GROUP_MAX_EPS) continue; // all-zero block (d = +0)
    const iscale = f(-128 / maxScale);
    const dBits = f32ToF16Bits(f(1 / iscale));
    view.setUint16(bo + 208, dBits, true);
    const dAll = f16BitsToNumber(dBits);
    for (let s = 0; s < 16; s++) {
      const sc = Math.min(127, nearestInt(f(iscale * scales[s])));
      view.setInt8(bo + 192 + s, sc);
      const d = f(dAll * sc);
      if (!d) continue; // keeps make_qx_quants' quants, as llama.cpp does
      for (let i = 0; i < 16; i++) {
        L[16 * s + i] = 32 + Math.max(-32, Math.min(31, nearestInt(f(x[xo + 16 * s + i] / d))));
      }
    }
    pack(L, out, bo);
  }
}

/** Splits the 6-bit quants into ql (low nibbles) and qh (high 2 bits). */
function pack(L: Uint8Array, out: Uint8Array, bo: number): void {
  for (let n = 0; n < 2; n++) {
    const j = 128 * n;
    const ql = bo + 64 * n;
    const qh = bo + 128 + 32 * n;
    for (let l = 0; l < 32; l++) {
      out[ql + l] = (L[j + l] & 0xf) | ((L[j + l + 64] & 0xf) << 4);
      out[ql + l + 32] = (L[j + l + 32] & 0xf) | ((L[j + l + 96] & 0xf) << 4);
      out[qh + l] = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6);
    }
  }
}
