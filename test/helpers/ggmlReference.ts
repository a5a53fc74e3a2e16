/**
 * An independent float64 TypeScript model of the GGML block formats the engine computes with
 * (F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K Q4_K Q5_K Q6_K), written from the byte
 * layouts of ggml-common.h (never by calling native code), plus seeded generators of random valid
 * blocks. Used by the kernel tests and reusable by the quantizer tests.
 *
 * Every element is decoded with its own per-element formula (which byte, which bits, which
 * scale) instead of GGML's loop nests, so that an indexing mistake in either implementation
 * shows up as a mismatch. Arithmetic is float64; the result of {@link dequantizeRow} is the exact
 * value of the format's formula (see `exactness` below), and `Math.fround` of it is the float32
 * value GGML's reference dequantizer produces.
 *
 * Exactness: fp16 scales have 11 significant bits, sub-block scales at most 8 and quants at most
 * 6, so every product in these formulas has at most 11 + 7 + 5 = 23 significant bits and is
 * exact in float32 and float64. The only inexact step is the one addition of a min term
 * (Q4_1, Q5_1, Q2_K, Q4_K, Q5_K) between two float32-representable values: float64 computes it,
 * then rounding to float32 gives the correctly rounded float32 sum (double rounding from 53 to
 * 24 bits is innocuous for +, -, *, / since 53 >= 2*24 + 2), which is exactly what a float32
 * `a*b - c` (or an FMA, the product being exact) gives in C.
 */

/** GGML type ids (as stored in GGUF) of the types the engine supports. */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  BF16: 30,
} as const;
export type GgmlTypeName = keyof typeof GgmlType;
export type GgmlTypeId = (typeof GgmlType)[GgmlTypeName];

/** Elements per block and bytes per block of each supported type (ggml-common.h). */
export const typeTraits: Record<GgmlTypeName, { id: GgmlTypeId; blockSize: number; typeSize: number }> = {
  F32: { id: 0, blockSize: 1, typeSize: 4 },
  F16: { id: 1, blockSize: 1, typeSize: 2 },
  Q4_0: { id: 2, blockSize: 32, typeSize: 18 },
  Q4_1: { id: 3, blockSize: 32, typeSize: 20 },
  Q5_0: { id: 6, blockSize: 32, typeSize: 22 },
  Q5_1: { id: 7, blockSize: 32, typeSize: 24 },
  Q8_0: { id: 8, blockSize: 32, typeSize: 34 },
  Q2_K: { id: 10, blockSize: 256, typeSize: 84 },
  Q3_K: { id: 11, blockSize: 256, typeSize: 110 },
  Q4_K: { id: 12, blockSize: 256, typeSize: 144 },
  Q5_K: { id: 13, blockSize: 256, typeSize: 176 },
  Q6_K: { id: 14, blockSize: 256, typeSize: 210 },
  BF16: { id: 30, blockSize: 1, typeSize: 2 },
};

/** Every supported type name, in id order. */
export const allTypeNames = Object.keys(typeTraits) as GgmlTypeName[];

/** Bytes of a row of n elements (n a multiple of the block size). */
export function rowBytes(type: GgmlTypeName, n: number): number {
  const t = typeTraits[type];
  if (n % t.blockSize !== 0) throw new Error(`${type}: ${n} is not a multiple of ${t.blockSize}`);
  return (n / t.blockSize) * t.typeSize;
}

// ---- scalar formats -------------------------------------------------------------------------

/** IEEE binary16 bits → value (exact), including subnormals, infinities and NaN. */
export function f16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** A number → the nearest binary16 bits (round half to even; overflow → ±Infinity). */
export function numberToF16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const a = Math.abs(value);
  // Subnormal binade (and zero): quantum 2^-24; m = 1024 correctly becomes the smallest normal.
  if (a < 2 ** -14) return sign | roundHalfEven(a / 2 ** -24);
  if (a === Infinity) return sign | 0x7c00;
  let exp = Math.floor(Math.log2(a));
  if (2 ** exp > a) exp -= 1; // Math.log2 may be off by one next to powers of two
  if (2 ** (exp + 1) <= a) exp += 1;
  const m = roundHalfEven(a / 2 ** (exp - 10)); // 1024..2048, exact division by a power of two
  const bits = ((exp + 15) << 10) + (m - 1024); // m = 2048 carries into the exponent
  return sign | Math.min(bits, 0x7c00);
}

/** x rounded to the nearest integer, ties to even (IEEE roundTiesToEven). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** bfloat16 bits → value (exact: the top half of a float32). */
export function bf16ToNumber(bits: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, (bits & 0xffff) << 16);
  return buf.getFloat32(0);
}

// ---- dequantization -------------------------------------------------------------------------

/** Value of element e (0..blockSize-1) of the block starting at byte o of `b`. */
type ElementDecoder = (b: Uint8Array, v: DataView, o: number, e: number) => number;

const h16 = (v: DataView, o: number): number => f16ToNumber(v.getUint16(o, true));

/** 6-bit scale and min of sub-block s (0..7) packed in 12 bytes at `o` (Q4_K, Q5_K). */
export function scaleMinK4(b: Uint8Array, o: number, s: number): [number, number] {
  if (s < 4) return [b[o + s] & 63, b[o + s + 4] & 63];
  const sc = (b[o + s + 4] & 0x0f) | ((b[o + s - 4] >> 6) << 4);
  const m = (b[o + s + 4] >> 4) | ((b[o + s] >> 6) << 4);
  return [sc, m];
}

/** Signed 6-bit scale of sub-block s (0..15) packed in 12 bytes at `o` (Q3_K), minus 32. */
function scaleQ3K(b: Uint8Array, o: number, s: number): number {
  const lo = s < 8 ? b[o + s] & 0x0f : b[o + s - 8] >> 4;
  const hi = (b[o + 8 + (s % 4)] >> (2 * Math.floor(s / 4))) & 3;
  return (lo | (hi << 4)) - 32;
}

const decoders: Record<GgmlTypeName, ElementDecoder> = {
  F32: (_b, v, o) => v.getFloat32(o, true),
  F16: (_b, v, o) => h16(v, o),
  BF16: (_b, v, o) => bf16ToNumber(v.getUint16(o, true)),
  // d:f16 | qs[16]: element j<16 is the low nibble of qs[j], element j+16 the high nibble.
  Q4_0: (b, v, o, e) => h16(v, o) * (nibble(b[o + 2 + (e % 16)], e >= 16) - 8),
  // d:f16 m:f16 | qs[16]: d*q + m.
  Q4_1: (b, v, o, e) => h16(v, o) * nibble(b[o + 4 + (e % 16)], e >= 16) + h16(v, o + 2),
  // d:f16 | qh:u32 (bit e = 5th bit of element e) | qs[16]: d*(q - 16).
  Q5_0: (b, v, o, e) => h16(v, o) * (q5(b, v, o + 2, o + 6, e) - 16),
  // d:f16 m:f16 | qh:u32 | qs[16]: d*q + m.
  Q5_1: (b, v, o, e) => h16(v, o) * q5(b, v, o + 4, o + 8, e) + h16(v, o + 2),
  // d:f16 | qs: int8[32].
  Q8_0: (_b, v, o, e) => h16(v, o) * v.getInt8(o + 2 + e),
  // scales[16] (lo nibble scale, hi nibble min) | qs[64] | d:f16 @80 | dmin:f16 @82.
  // Element e = 128n + 32j + 16h + l: 2 bits (2j..2j+1) of qs[32n + 16h + l], sub-block 8n+2j+h.
  Q2_K: (b, v, o, e) => {
    const n = e >> 7, j = (e >> 5) & 3, h = (e >> 4) & 1, l = e & 15;
    const q = (b[o + 16 + 32 * n + 16 * h + l] >> (2 * j)) & 3;
    const sc = b[o + 8 * n + 2 * j + h];
    return h16(v, o + 80) * (sc & 15) * q - h16(v, o + 82) * (sc >> 4);
  },
  // hmask[32] | qs[64] | scales[12] (16 x 6 bit) | d:f16 @108. Element e = 128n + 32j + 16h + l:
  // low 2 bits from qs[32n + 16h + l] >> 2j, high bit = bit (4n + j) of hmask[16h + l]; a clear
  // high bit means "minus 4". Sub-block 8n + 2j + h.
  Q3_K: (b, v, o, e) => {
    const n = e >> 7, j = (e >> 5) & 3, h = (e >> 4) & 1, l = e & 15;
    const low = (b[o + 32 + 32 * n + 16 * h + l] >> (2 * j)) & 3;
    const high = (b[o + 16 * h + l] >> (4 * n + j)) & 1;
    return h16(v, o + 108) * scaleQ3K(b, o + 96, 8 * n + 2 * j + h) * (low - (high ? 0 : 4));
  },
  // d:f16 dmin:f16 | scales[12] (8 x 6-bit scale/min) | qs[128]. Element e = 64g + 32h + l:
  // nibble h of qs[32g + l]; sub-block 2g + h.
  Q4_K: (b, v, o, e) => {
    const g = e >> 6, h = (e >> 5) & 1, l = e & 31;
    const q = nibble(b[o + 16 + 32 * g + l], h === 1);
    const [sc, m] = scaleMinK4(b, o + 4, 2 * g + h);
    return h16(v, o) * sc * q - h16(v, o + 2) * m;
  },
  // d:f16 dmin:f16 | scales[12] | qh[32] | qs[128]. As Q4_K plus a 5th bit: bit (2g + h) of qh[l].
  Q5_K: (b, v, o, e) => {
    const g = e >> 6, h = (e >> 5) & 1, l = e & 31;
    const q = nibble(b[o + 48 + 32 * g + l], h === 1) + 16 * ((b[o + 16 + l] >> (2 * g + h)) & 1);
    const [sc, m] = scaleMinK4(b, o + 4, 2 * g + h);
    return h16(v, o) * sc * q - h16(v, o + 2) * m;
  },
  // ql[128] | qh[64] | scales: int8[16] | d:f16 @208. Element e = 128n + 32k + l (k = 0..3):
  // low 4 bits: nibble (k >> 1) of ql[64n + 32(k & 1) + l]; high 2 bits: bits 2k..2k+1 of
  // qh[32n + l]; value d * scale[8n + 2k + (l >> 4)] * (q - 32).
  Q6_K: (b, v, o, e) => {
    const n = e >> 7, k = (e >> 5) & 3, l = e & 31;
    const low = nibble(b[o + 64 * n + 32 * (k & 1) + l], k >= 2);
    const high = (b[o + 128 + 32 * n + l] >> (2 * k)) & 3;
    const sc = v.getInt8(o + 192 + 8 * n + 2 * k + (l >> 4));
    return h16(v, o + 208) * sc * ((low | (high << 4)) - 32);
  },
};

function nibble(byte: number, high: boolean): number {
  return high ? byte >> 4 : byte & 0x0f;
}

/** 5-bit quant of element e of a Q5_0/Q5_1 block: qh (u32 at `qhAt`) bit e is the 5th bit. */
function q5(b: Uint8Array, v: DataView, qhAt: number, qsAt: number, e: number): number {
  const qh = v.getUint32(qhAt, true);
  return nibble(b[qsAt + (e % 16)], e >= 16) | (((qh >>> e) & 1) << 4);
}

/**
 * Dequantizes n elements (a multiple of the block size) of `type` from `bytes` (starting at
 * `byteOffset`, default 0) into float64. `Math.fround` of each value is GGML's float32 value.
 */
export function dequantizeRow(type: GgmlTypeName, bytes: Uint8Array, n: number, byteOffset = 0): Float64Array {
  const { blockSize, typeSize } = typeTraits[type];
  const nb = rowBytes(type, n) / typeSize;
  if (byteOffset + nb * typeSize > bytes.length) throw new Error(`${type}: ${n} elements need more bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decode = decoders[type];
  const out = new Float64Array(n);
  for (let blk = 0; blk < nb; blk++) {
    const o = byteOffset + blk * typeSize;
    for (let e = 0; e < blockSize; e++) out[blk * blockSize + e] = decode(bytes, view, o, e);
  }
  return out;
}

// ---- random valid blocks ----------------------------------------------------------------------

/** A small seeded PRNG (mulberry32): next() returns a float in [0, 1). */
export interface Rng {
  next(): number;
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  /** Float in [lo, hi). */
  uniform(lo: number, hi: number): number;
}

/** Deterministic PRNG from a 32-bit seed. */
export function makeRng(seed: number): Rng {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    uniform: (lo, hi) => lo + next() * (hi - lo),
  };
}

/** Byte offsets of the fp16 scale fields inside one block of each type (empty for F32/F16/BF16). */
export const scaleFieldOffsets: Record<GgmlTypeName, number[]> = {
  F32: [],
  F16: [],
  BF16: [],
  Q4_0: [0],
  Q4_1: [0, 2],
  Q5_0: [0],
  Q5_1: [0, 2],
  Q8_0: [0],
  Q2_K: [80, 82],
  Q3_K: [108],
  Q4_K: [0, 2],
  Q5_K: [0, 2],
  Q6_K: [208],
};

export interface RandomBlockOptions {
  /**
   * Unbiased binary exponent range of the random fp16 scales (d, m, dmin) and of F16/BF16/F32
   * elements. Default [-10, -3]: values about 1e-3..0.25, like real weights.
   */
  exponentRange?: [number, number];
  /** Allow negative scales (default true; GGML's quantizers produce negative d for Q4_0 etc.). */
  negativeScales?: boolean;
}

/** Random finite fp16 bits with an exponent in [lo, hi] (-24 <= lo, hi <= 15). */
export function randomF16Bits(rng: Rng, lo: number, hi: number, negative = true): number {
  const e = rng.int(lo, hi);
  const mant = rng.int(0, 1023);
  const sign = negative && rng.next() < 0.5 ? 0x8000 : 0;
  if (e < -14) return sign | ((mant | 0x200) >> Math.min(10, -14 - e)); // subnormal
  return sign | ((e + 15) << 10) | mant;
}

/**
 * `nBlocks` random blocks of `type`: every quant bit random, every fp16 scale finite with an
 * exponent in `exponentRange`. For F32/F16/BF16 a "block" is one element with a random finite
 * value in that exponent range.
 */
export function randomBlocks(type: GgmlTypeName, nBlocks: number, rng: Rng, options: RandomBlockOptions = {}): Uint8Array {
  const [lo, hi] = options.exponentRange ?? [-10, -3];
  const neg = options.negativeScales ?? true;
  const { typeSize } = typeTraits[type];
  const out = new Uint8Array(nBlocks * typeSize);
  const view = new DataView(out.buffer);
  for (let i = 0; i < out.length; i++) out[i] = rng.int(0, 255);
  for (let blk = 0; blk < nBlocks; blk++) {
    const o = blk * typeSize;
    if (type === 'F32') view.setFloat32(o, (rng.next() < 0.5 ? -1 : 1) * 2 ** rng.int(lo, hi) * rng.uniform(1, 2), true);
    else if (type === 'F16') view.setUint16(o, randomF16Bits(rng, lo, hi), true);
    else if (type === 'BF16') view.setUint16(o, bf16FromExponent(rng, lo, hi), true);
    for (const f of scaleFieldOffsets[type]) view.setUint16(o + f, randomF16Bits(rng, lo, hi, neg), true);
  }
  return out;
}

function bf16FromExponent(rng: Rng, lo: number, hi: number): number {
  const sign = rng.next() < 0.5 ? 0x8000 : 0;
  return sign | ((rng.int(lo, hi) + 127) << 7) | rng.int(0, 127);
}

/**
 * Edge-value blocks of `type` (one per edge case): scales +0, -0, the smallest subnormal, the
 * largest finite fp16 (65504), 1.0 and -1.0, each with all-zero, all-one and random quant bits.
 * For F32/F16/BF16: zeros, extreme finite values and subnormals of the format.
 */
export function edgeBlocks(type: GgmlTypeName, rng: Rng): Uint8Array {
  if (type === 'F32') return new Uint8Array(new Float32Array([0, -0, 3.4028234663852886e38, -1.1754943508222875e-38, 1.401298464324817e-45, 1, -65504]).buffer);
  if (type === 'F16') return new Uint8Array(new Uint16Array([0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x3c00]).buffer);
  if (type === 'BF16') return new Uint8Array(new Uint16Array([0x0000, 0x8000, 0x0001, 0x007f, 0x0080, 0x7f7f, 0xff7f, 0x3f80]).buffer);
  const scales = [0x0000, 0x8000, 0x0001, 0x7bff, 0x3c00, 0xbc00, 0xfbff];
  const fills = [0x00, 0xff, -1]; // all quant bits 0, all 1, random
  const { typeSize } = typeTraits[type];
  const out = new Uint8Array(scales.length * fills.length * typeSize);
  const view = new DataView(out.buffer);
  let blk = 0;
  scales.forEach((s, i) => {
    for (const fill of fills) {
      const o = blk++ * typeSize;
      for (let k = 0; k < typeSize; k++) out[o + k] = fill < 0 ? rng.int(0, 255) : fill;
      // First scale field (d) takes the edge value; a second one (m / dmin) another edge value.
      scaleFieldOffsets[type].forEach((f, k) => view.setUint16(o + f, k === 0 ? s : scales[(i + 3) % scales.length], true));
    }
  });
  return out;
}
