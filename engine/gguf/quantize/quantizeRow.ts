/**
 * Entry point of the quantizers: F32 rows → the bytes of one GGML weight type (F32, F16, Q8_0,
 * Q4_0, Q4_K, Q6_K), laid out exactly as ggml-common.h and computed as llama.cpp's reference
 * (non-imatrix) quantizers do. Inputs must be finite.
 */
import { quantizeRowF16, quantizeRowF32, quantizeRowQ4_0, quantizeRowQ8_0 } from './legacyQuants.js';
import { quantizeRowQ4_K } from './q4K.js';
import { quantizeRowQ6_K } from './q6K.js';

/** The weight types the quantizers produce. */
export type QuantType = 'F32' | 'F16' | 'Q8_0' | 'Q4_0' | 'Q4_K' | 'Q6_K';

/** Every {@link QuantType}. */
export const QUANT_TYPES: readonly QuantType[] = ['F32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q6_K'];

/** Elements per block and bytes per block (ggml-common.h). */
export const QUANT_BLOCK: Record<QuantType, { blockSize: number; typeSize: number }> = {
  F32: { blockSize: 1, typeSize: 4 },
  F16: { blockSize: 1, typeSize: 2 },
  Q8_0: { blockSize: 32, typeSize: 34 },
  Q4_0: { blockSize: 32, typeSize: 18 },
  Q4_K: { blockSize: 256, typeSize: 144 },
  Q6_K: { blockSize: 256, typeSize: 210 },
};

const IMPL: Record<QuantType, (x: Float32Array, out: Uint8Array, o: number) => void> = {
  F32: quantizeRowF32,
  F16: quantizeRowF16,
  Q8_0: quantizeRowQ8_0,
  Q4_0: quantizeRowQ4_0,
  Q4_K: quantizeRowQ4_K,
  Q6_K: quantizeRowQ6_K,
};

/** Bytes of `n` values of `type`. @throws RangeError when n is not a multiple of the block size */
export function quantizedBytes(type: QuantType, n: number): number {
  const t = QUANT_BLOCK[type];
  if (!t) throw new RangeError(`unknown quantization type ${String(type)}`);
  if (!Number.isSafeInteger(n) || n < 0 || n % t.blockSize !== 0) {
    throw new RangeError(`${type}: ${n} values are not a whole number of ${t.blockSize}-value blocks`);
  }
  return (n / t.blockSize) * t.typeSize;
}

/**
 * Quantizes `x` (any number of rows concatenated; length a multiple of the block size) into
 * `out` at byte offset `outOffset` (default: a new buffer of exactly the right size). Returns
 * the buffer written.
 * @throws RangeError for a bad length or an output buffer that is too small
 */
export function quantizeRow(type: QuantType, x: Float32Array, out?: Uint8Array, outOffset = 0): Uint8Array {
  const nBytes = quantizedBytes(type, x.length);
  const dst = out ?? new Uint8Array(nBytes);
  if (outOffset < 0 || outOffset + nBytes > dst.length) {
    throw new RangeError(`${type}: output buffer of ${dst.length} bytes has no room for ${nBytes} at offset ${outOffset}`);
  }
  IMPL[type](x, dst, outOffset);
  return dst;
}
