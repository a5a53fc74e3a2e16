/**
 * Little-endian byte encoding of GGUF metadata values (v2/v3 layout: u64 string lengths and array
 * counts). Used by GgufWriter; writes exactly what it is given, after range checks, so tests can
 * also craft unusual (but well-formed) values.
 */
import { GgufValueType, type GgufValueTypeId } from '../binding/GgufBinding.js';

/** An array value for the writer: element type plus elements (nested arrays allowed). */
export interface GgufWriterArray {
  readonly elementType: GgufValueTypeId;
  readonly values: ArrayLike<GgufWriterValue>;
}

/**
 * A value the writer accepts. Integers: number (any size that fits) or bigint; 64-bit types accept
 * bigint or a safe-integer number. Strings: string (encoded as UTF-8) or raw bytes (Uint8Array,
 * written as-is, e.g. to craft invalid UTF-8). Arrays: {@link GgufWriterArray}.
 */
export type GgufWriterValue = number | bigint | boolean | string | Uint8Array | GgufWriterArray;

/** Builds a {@link GgufWriterArray}. */
export function ggufArray(elementType: GgufValueTypeId, values: ArrayLike<GgufWriterValue>): GgufWriterArray {
  return { elementType, values };
}

/** A growable little-endian byte buffer. */
export class ByteSink {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  /** Bytes written so far. */
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  i8(v: number): void {
    this.reserve(1);
    this.view.setInt8(this.length, v);
    this.length += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i16(v: number): void {
    this.reserve(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }
  i64(v: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** Zero bytes up to the next multiple of `alignment` (counted from the start of the buffer). */
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  /** A copy of the bytes written. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();

/** A GGUF string: u64 byte length, then the bytes (no terminator). */
export function writeGgufString(sink: ByteSink, s: string | Uint8Array): void {
  const bytes = typeof s === 'string' ? utf8.encode(s) : s;
  sink.u64(BigInt(bytes.length));
  sink.bytes(bytes);
}

const INT_RANGES: Partial<Record<GgufValueTypeId, [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};

function fail(what: string, type: GgufValueTypeId, value: unknown): never {
  const shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'object' ? 'an object' : String(value);
  throw new RangeError(`${what}: ${shown} is not a valid value of GGUF type ${type}`);
}

function int(what: string, type: GgufValueTypeId, v: GgufWriterValue): number {
  const r = INT_RANGES[type]!;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < r[0] || n > r[1]) fail(what, type, v);
  return n;
}

function int64(what: string, type: GgufValueTypeId, v: GgufWriterValue): bigint {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) fail(what, type, v);
  if (typeof v !== 'number' && typeof v !== 'bigint') fail(what, type, v);
  const b = BigInt(v);
  const ok = type === GgufValueType.UINT64 ? b >= 0n && b < 1n << 64n : b >= -(1n << 63n) && b < 1n << 63n;
  if (!ok) fail(what, type, v);
  return b;
}

function num(what: string, type: GgufValueTypeId, v: GgufWriterValue): number {
  if (typeof v !== 'number') fail(what, type, v);
  return v;
}

function isArray(v: GgufWriterValue): v is GgufWriterArray {
  return typeof v === 'object' && !(v instanceof Uint8Array) && v !== null && 'elementType' in v;
}

/** Writes the payload of one value of `type` (no type tag). `what` names the value in errors. */
export function writeGgufValue(sink: ByteSink, type: GgufValueTypeId, v: GgufWriterValue, what: string): void {
  switch (type) {
    case GgufValueType.UINT8: return sink.u8(int(what, type, v));
    case GgufValueType.INT8: return sink.i8(int(what, type, v));
    case GgufValueType.UINT16: return sink.u16(int(what, type, v));
    case GgufValueType.INT16: return sink.i16(int(what, type, v));
    case GgufValueType.UINT32: return sink.u32(int(what, type, v));
    case GgufValueType.INT32: return sink.i32(int(what, type, v));
    case GgufValueType.FLOAT32: return sink.f32(num(what, type, v));
    case GgufValueType.FLOAT64: return sink.f64(num(what, type, v));
    case GgufValueType.UINT64: return sink.u64(int64(what, type, v));
    case GgufValueType.INT64: return sink.i64(int64(what, type, v));
    case GgufValueType.BOOL:
      if (typeof v !== 'boolean') fail(what, type, v);
      return sink.u8(v ? 1 : 0);
    case GgufValueType.STRING:
      if (typeof v !== 'string' && !(v instanceof Uint8Array)) fail(what, type, v);
      return writeGgufString(sink, v);
    case GgufValueType.ARRAY: {
      if (!isArray(v)) fail(what, type, v);
      sink.u32(v.elementType);
      sink.u64(BigInt(v.values.length));
      for (let i = 0; i < v.values.length; i++) writeGgufValue(sink, v.elementType, v.values[i], `${what}[${i}]`);
      return;
    }
    default:
      throw new RangeError(`${what}: unknown GGUF value type ${type as number}`);
  }
}
