/**
 * An independent TypeScript model of the engine's "fast" numerics, written from llama.cpp's
 * formats and quantizer semantics (never by calling native code):
 *
 * - The activation quantizers of llama.cpp's x86 (AVX2) build, which produced the golden data:
 *   Q8_0 / Q8_1 (blocks of 32): d = amax / 127, id = 127 / amax (0 when amax = 0), q = x * id
 *   rounded half to even (all f32), d stored as fp16; Q8_1 adds s = fp16(d * sum(q)).
 *   Q8_K (blocks of 256): max = the first element of largest |x|, iscale = -127 / max,
 *   q = min(127, round-half-even(iscale * x)) of the exact product (llama.cpp's nearest_int(iscale
 *   * x) compiled by GCC with FMA contracts into one FMA, so the product is not rounded to f32
 *   first), d = 1 / iscale (f32), bsums of 16.
 * - Each weight element as integers (quant minus offset, sub-block scale and min; ggml-common.h
 *   layouts, decoded per element), and from them the exact value of the fast dot product:
 *   sum over blocks of f32(dw * dx) * sum(sc * q * qx) - f32(dmin * dx) * sum(min * qx)
 *   (+ m * s for Q4_1 / Q5_1), with the float32 accumulation bound the engine must meet.
 */
import { U32 } from './dotReference.js';
import { f16ToNumber, numberToF16, roundHalfEven, scaleMinK4, typeTraits, type GgmlTypeName } from './ggmlReference.js';

export type ActKind = 'q8_0' | 'q8_1' | 'q8_K';

/** One quantized activation block: d (and s) as values and as stored bits. */
export interface Q8Block {
  /** Scale as the dot product uses it: the fp16 value (q8_0 / q8_1) or the f32 (q8_K). */
  d: number;
  /** Stored scale bits: fp16 bits (q8_0 / q8_1) or f32 bits (q8_K). */
  dBits: number;
  /** q8_1: s as an fp16 value and its bits. */
  s: number;
  sBits: number;
  qs: Int8Array;
  /** q8_K: sums of qs over 16-element groups. */
  bsums: Int16Array;
}

/** The activation format a quantized weight type's fast dot product uses (llama.cpp's vec_dot_type). */
export function actKind(type: GgmlTypeName): ActKind {
  if (type === 'Q4_1' || type === 'Q5_1') return 'q8_1';
  if (type === 'Q4_0' || type === 'Q5_0' || type === 'Q8_0') return 'q8_0';
  if (type.endsWith('_K')) return 'q8_K';
  throw new Error(`${type} has no fast path`);
}

const f32 = Math.fround;

const f32Bits = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0];

/** llama.cpp's quantizer of the given kind over x (length a multiple of the block size). */
export function quantizeActivations(kind: ActKind, x: Float32Array): Q8Block[] {
  const bs = kind === 'q8_K' ? 256 : 32;
  if (x.length % bs !== 0) throw new Error(`${kind}: ${x.length} is not a multiple of ${bs}`);
  const out: Q8Block[] = [];
  for (let b = 0; b < x.length; b += bs) {
    const v = x.subarray(b, b + bs);
    out.push(kind === 'q8_K' ? quantK(v) : quant32(v, kind === 'q8_1'));
  }
  return out;
}

function quant32(x: Float32Array, withSum: boolean): Q8Block {
  let amax = 0;
  for (const v of x) amax = Math.max(amax, Math.abs(v));
  const d = f32(amax / 127);
  const id = amax !== 0 ? f32(127 / amax) : 0;
  const qs = Int8Array.from(x, (v) => Math.max(-128, Math.min(127, roundHalfEven(f32(v * id)))));
  const dBits = numberToF16(d);
  const sum = qs.reduce((a, q) => a + q, 0);
  const sBits = withSum ? numberToF16(f32(d * sum)) : 0;
  return { d: f16ToNumber(dBits), dBits, s: f16ToNumber(sBits), sBits, qs, bsums: new Int16Array(0) };
}

function quantK(x: Float32Array): Q8Block {
  let amax = 0, max = 0;
  for (const v of x) {
    if (Math.abs(v) > amax) {
      amax = Math.abs(v);
      max = v;
    }
  }
  const qs = new Int8Array(256);
  const bsums = new Int16Array(16);
  if (amax === 0) return { d: 0, dBits: 0, s: 0, sBits: 0, qs, bsums };
  const iscale = f32(-127 / max);
  // The product of two f32 values is exact in float64.
  for (let j = 0; j < 256; j++) qs[j] = Math.min(127, roundHalfEven(iscale * x[j]));
  for (let j = 0; j < 256; j++) bsums[j >> 4] += qs[j];
  const d = f32(1 / iscale);
  return { d, dBits: f32Bits(d), s: 0, sBits: 0, qs, bsums };
}

/** The blocks in llama.cpp's byte layouts (block_q8_0: d, qs; block_q8_1: d, s, qs; block_q8_K: d, qs, bsums). */
export function encodeActivations(kind: ActKind, blocks: Q8Block[]): Uint8Array {
  const size = kind === 'q8_0' ? 34 : kind === 'q8_1' ? 36 : 292;
  const out = new Uint8Array(blocks.length * size);
  const view = new DataView(out.buffer);
  blocks.forEach((blk, i) => {
    const o = i * size;
    if (kind === 'q8_K') {
      view.setUint32(o, blk.dBits, true);
      out.set(new Uint8Array(blk.qs.buffer), o + 4);
      blk.bsums.forEach((v, j) => view.setInt16(o + 260 + 2 * j, v, true));
    } else {
      view.setUint16(o, blk.dBits, true);
      if (kind === 'q8_1') view.setUint16(o + 2, blk.sBits, true);
      out.set(new Uint8Array(blk.qs.buffer), o + (kind === 'q8_1' ? 4 : 2));
    }
  });
  return out;
}

// ---- weights as integers ---------------------------------------------------------------------

/** One weight block: element e's value is d * sc[e] * q[e] - dmin * mn[e] (+ m for Q4_1/Q5_1). */
interface IntBlock {
  q: Int32Array; // signed quant (offset already subtracted)
  sc: Int32Array;
  mn: Int32Array;
  d: number;
  dmin: number; // K-quant dmin, or the Q4_1 / Q5_1 min m
}

const h16 = (v: DataView, o: number): number => f16ToNumber(v.getUint16(o, true));
const nib = (byte: number, high: boolean): number => (high ? byte >> 4 : byte & 15);

function intBlock(type: GgmlTypeName, b: Uint8Array, o: number): IntBlock {
  const n = typeTraits[type].blockSize;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const B: IntBlock = { q: new Int32Array(n), sc: new Int32Array(n).fill(1), mn: new Int32Array(n), d: 0, dmin: 0 };
  const qh32 = (at: number, e: number): number => ((v.getUint32(at, true) >>> e) & 1) << 4;
  for (let e = 0; e < n; e++) {
    switch (type) {
      case 'Q4_0': B.d = h16(v, o); B.q[e] = nib(b[o + 2 + (e % 16)], e >= 16) - 8; break;
      case 'Q4_1': B.d = h16(v, o); B.dmin = h16(v, o + 2); B.q[e] = nib(b[o + 4 + (e % 16)], e >= 16); break;
      case 'Q5_0': B.d = h16(v, o); B.q[e] = (nib(b[o + 6 + (e % 16)], e >= 16) | qh32(o + 2, e)) - 16; break;
      case 'Q5_1': B.d = h16(v, o); B.dmin = h16(v, o + 2); B.q[e] = nib(b[o + 8 + (e % 16)], e >= 16) | qh32(o + 4, e); break;
      case 'Q8_0': B.d = h16(v, o); B.q[e] = v.getInt8(o + 2 + e); break;
      case 'Q2_K': { // scales[16] | qs[64] | d @80 | dmin @82; e = 128n + 32j + 16h + l, sub-block e/16
        const [nn, j, h, l] = [e >> 7, (e >> 5) & 3, (e >> 4) & 1, e & 15];
        B.d = h16(v, o + 80); B.dmin = h16(v, o + 82);
        B.q[e] = (b[o + 16 + 32 * nn + 16 * h + l] >> (2 * j)) & 3;
        B.sc[e] = b[o + (e >> 4)] & 15; B.mn[e] = b[o + (e >> 4)] >> 4;
        break;
      }
      case 'Q3_K': { // hmask[32] | qs[64] | scales[12] | d @108; a clear hmask bit means "minus 4"
        const [nn, j, h, l] = [e >> 7, (e >> 5) & 3, (e >> 4) & 1, e & 15];
        const s = e >> 4;
        const lo = s < 8 ? b[o + 96 + s] & 15 : b[o + 96 + s - 8] >> 4;
        const hi = (b[o + 104 + (s % 4)] >> (2 * Math.floor(s / 4))) & 3;
        B.d = h16(v, o + 108);
        B.q[e] = ((b[o + 32 + 32 * nn + 16 * h + l] >> (2 * j)) & 3) - ((b[o + 16 * h + l] >> (4 * nn + j)) & 1 ? 0 : 4);
        B.sc[e] = (lo | (hi << 4)) - 32;
        break;
      }
      case 'Q4_K': case 'Q5_K': { // d dmin | scales[12] | (Q5_K: qh[32]) | qs[128]; e = 64g + 32h + l
        const [g, h, l] = [e >> 6, (e >> 5) & 1, e & 31];
        const q5 = type === 'Q5_K';
        B.d = h16(v, o); B.dmin = h16(v, o + 2);
        B.q[e] = nib(b[o + (q5 ? 48 : 16) + 32 * g + l], h === 1) + (q5 ? 16 * ((b[o + 16 + l] >> (2 * g + h)) & 1) : 0);
        [B.sc[e], B.mn[e]] = scaleMinK4(b, o + 4, e >> 5);
        break;
      }
      case 'Q6_K': { // ql[128] | qh[64] | scales int8[16] | d @208; e = 128n + 32k + l
        const [nn, k, l] = [e >> 7, (e >> 5) & 3, e & 31];
        B.d = h16(v, o + 208);
        B.q[e] = (nib(b[o + 64 * nn + 32 * (k & 1) + l], k >= 2) | (((b[o + 128 + 32 * nn + l] >> (2 * k)) & 3) << 4)) - 32;
        B.sc[e] = v.getInt8(o + 192 + (e >> 4));
        break;
      }
      default: throw new Error(`${type} has no fast path`);
    }
  }
  return B;
}

/**
 * The fast dot product of one weight row (n elements of `type` at bytes[byteOffset..]) with x:
 * `dot` is its exact value given llama.cpp's activation quantization and the engine's f32 scale
 * products; `bound` the float32 accumulation error the engine may add (ifl-qdot.h). The engine accumulates
 * each of 8 lanes with one FMA per block and term (k = 1, or 2 with a min term), converts each
 * integer lane sum to f32 (one rounding) and adds the lanes in a 3-level tree: by the analysis of
 * recursive summation (Higham 3.1) the error is at most gamma_c * sum |terms| with
 * c = k * blocks + 4, gamma_c = c u / (1 - c u), u = 2^-24; sum |terms| is bounded by the sums
 * of |scale * sc * q * qx| over elements (triangle inequality over each lane's elements).
 */
export function fastDotReference(type: GgmlTypeName, bytes: Uint8Array, byteOffset: number, x: Float32Array): { dot: number; bound: number } {
  const { blockSize, typeSize } = typeTraits[type];
  const acts = quantizeActivations(actKind(type), x);
  const hasMin = type === 'Q2_K' || type === 'Q4_K' || type === 'Q5_K';
  const hasM = type === 'Q4_1' || type === 'Q5_1';
  let dot = 0, sumAbs = 0;
  acts.forEach((a, i) => {
    const B = intBlock(type, bytes, byteOffset + i * typeSize);
    let l = 0, lAbs = 0, m = 0, mAbs = 0;
    for (let e = 0; e < blockSize; e++) {
      l += B.sc[e] * B.q[e] * a.qs[e];
      lAbs += Math.abs(B.sc[e] * B.q[e] * a.qs[e]);
      m += B.mn[e] * a.qs[e];
      mAbs += Math.abs(B.mn[e] * a.qs[e]);
    }
    // Q3_K / Q6_K lanes hold sum(sc * (q + off) * qx) - off * sum(sc * qx) (the offset is folded
    // in per 32-element group), so |lanes| are bounded with the offset counted twice.
    const off = type === 'Q3_K' ? 4 : type === 'Q6_K' ? 32 : 0;
    if (off) for (let e = 0; e < blockSize; e++) lAbs += 2 * off * Math.abs(B.sc[e] * a.qs[e]);
    const s = f32(B.d * a.d);
    dot += s * l;
    sumAbs += Math.abs(s) * lAbs;
    if (hasMin) {
      const sm = f32(B.dmin * a.d);
      dot -= sm * m;
      sumAbs += Math.abs(sm) * mAbs;
    }
    if (hasM) {
      dot += B.dmin * a.s;
      sumAbs += Math.abs(B.dmin * a.s);
    }
  });
  const c = (hasMin || hasM ? 2 : 1) * acts.length + 4;
  return { dot, bound: ((c * U32) / (1 - c * U32)) * sumAbs };
}
