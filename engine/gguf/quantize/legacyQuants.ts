/**
 * F32 → F16, Q8_0 and Q4_0 row quantizers. Byte layouts as in ggml-common.h; the algorithms are
 * llama.cpp's reference (non-imatrix) quantizers, computed in emulated float32 so the bytes equal
 * what llama-quantize writes.
 *
 *   block_q8_0 (34 B, 32 values): d: f16 | qs: int8[32]          value = d · qs[j]
 *   block_q4_0 (18 B, 32 values): d: f16 | qs: u8[16]            value = d · (q - 8), element j < 16
 *                                                                 in the low nibble of qs[j], j + 16 in its high nibble
 */
import { f32ToF16Bits, roundHalfAway } from './floatBits.js';

// Module-local aliases: hot loops must not call through an import binding (bundlers and test
// runners turn those into property reads that block inlining of Math.fround).
const f = Math.fround;

/** Elements per block of Q8_0 and Q4_0. */
export const QK = 32;

/** F16: each value rounded to nearest even binary16, little-endian. out: [n] u16 at `o`. */
export function quantizeRowF16(x: Float32Array, out: Uint8Array, o: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < x.length; i++) view.setUint16(o + 2 * i, f32ToF16Bits(x[i]), true);
}

/** F32: copied little-endian. out: [n] f32 at `o`. */
export function quantizeRowF32(x: Float32Array, out: Uint8Array, o: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < x.length; i++) view.setFloat32(o + 4 * i, x[i], true);
}

/** Q8_0: d = amax / 127, q = roundf(x / d). x.length a multiple of 32; out: [n/32] blocks of 34 B at `o`. */
export function quantizeRowQ8_0(x: Float32Array, out: Uint8Array, o: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / QK; b++) {
    const xo = b * QK;
    const bo = o + b * 34;
    let amax = 0;
    for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
    const d = f(amax / 127);
    const id = d ? f(1 / d) : 0;
    view.setUint16(bo, f32ToF16Bits(d), true);
    for (let j = 0; j < QK; j++) view.setInt8(bo + 2 + j, roundHalfAway(f(x[xo + j] * id)));
  }
}

/**
 * Q4_0: d = (the value of largest magnitude) / -8, q = min(15, trunc(x / d + 8.5)); that value
 * maps to q = 0 exactly. x.length a multiple of 32; out: [n/32] blocks of 18 B at `o`.
 */
export function quantizeRowQ4_0(x: Float32Array, out: Uint8Array, o: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / QK; b++) {
    const xo = b * QK;
    const bo = o + b * 18;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK; j++) {
      const v = x[xo + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = f(max / -8);
    const id = d ? f(1 / d) : 0;
    view.setUint16(bo, f32ToF16Bits(d), true);
    for (let j = 0; j < QK / 2; j++) {
      const q0 = Math.min(15, Math.trunc(f(f(x[xo + j] * id) + 8.5)));
      const q1 = Math.min(15, Math.trunc(f(f(x[xo + QK / 2 + j] * id) + 8.5)));
      out[bo + 2 + j] = q0 | (q1 << 4);
    }
  }
}
