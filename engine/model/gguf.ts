/**
 * Reading GGUF files from TypeScript: readGguf / readGgufSync over the native parser (errors
 * become EngineError with the native code), and typed metadata getters used by every consumer
 * (tokenizer, model info, model loader). Each getter takes an optional default that is returned
 * when the key is absent; a missing key without default, or a value of the wrong type, throws
 * EngineError('BAD_METADATA') naming the key.
 */
import type { GgufArray, GgufBinding, GgufFileInfo, GgufReadOptions, GgufValue } from '../binding/GgufBinding.js';
import { loadBinding } from '../binding/loadBinding.js';
import { EngineError, wrapNative, wrapNativeAsync } from '../errors.js';

export type { GgufFileInfo, GgufReadOptions, GgufTensorInfo, GgufValue } from '../binding/GgufBinding.js';

/** The metadata map of a {@link GgufFileInfo}. */
export type GgufMetadata = Record<string, GgufValue>;

/**
 * Parses a GGUF file's header, metadata and tensor table off the JS thread.
 * @param options `arrays: 'full'` (default) or `'summary'` (arrays cut to 64 elements).
 * @param binding the native binding (default: {@link loadBinding}()).
 * @throws EngineError FILE_NOT_FOUND, IS_DIRECTORY, EMPTY_FILE, IO_ERROR, GGUF_*, UNSUPPORTED_TENSOR_TYPE.
 */
export async function readGguf(
  path: string,
  options: GgufReadOptions = {},
  binding: GgufBinding = loadBinding(),
): Promise<GgufFileInfo> {
  return wrapNativeAsync(binding.ggufRead(path, options));
}

/** {@link readGguf}, synchronously (CLI, tests). */
export function readGgufSync(path: string, options: GgufReadOptions = {}, binding: GgufBinding = loadBinding()): GgufFileInfo {
  return wrapNative(() => binding.ggufReadSync(path, options));
}

/** A short description of a value's kind for error messages ("string", "Float32Array[512]"). */
export function describeGgufValue(v: GgufValue | undefined): string {
  if (v === undefined) return 'absent';
  if (Array.isArray(v)) return `array[${v.length}]`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}[${(v as unknown as ArrayLike<unknown>).length}]`;
  return typeof v;
}

function badType(key: string, v: GgufValue, want: string): never {
  throw new EngineError('BAD_METADATA', `metadata key "${key}" is ${describeGgufValue(v)}, expected ${want}`);
}

/** The value of `key`, the default when absent, or BAD_METADATA when absent without default. */
function lookup<D>(md: GgufMetadata, key: string, def: D | undefined): { v?: GgufValue; def?: D; hasDef: boolean } {
  if (Object.prototype.hasOwnProperty.call(md, key)) return { v: md[key], hasDef: false };
  if (def !== undefined) return { def, hasDef: true };
  throw new EngineError('BAD_METADATA', `metadata key "${key}" is missing`);
}

/** True when the file has the key. */
export function mdHas(md: GgufMetadata, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(md, key);
}

/** A string value. */
export function mdString(md: GgufMetadata, key: string, def?: string): string {
  const r = lookup(md, key, def);
  if (r.hasDef) return r.def!;
  if (typeof r.v !== 'string') badType(key, r.v!, 'a string');
  return r.v;
}

/** A numeric value (any integer or float type); 64-bit integers beyond 2^53 are rejected. */
export function mdNumber(md: GgufMetadata, key: string, def?: number): number {
  const r = lookup(md, key, def);
  if (r.hasDef) return r.def!;
  if (typeof r.v === 'bigint') {
    throw new EngineError('BAD_METADATA', `metadata key "${key}" = ${r.v} is too large for a JavaScript number`);
  }
  if (typeof r.v !== 'number') badType(key, r.v!, 'a number');
  return r.v;
}

/** An integer value (any integer type, |v| <= 2^53). */
export function mdInt(md: GgufMetadata, key: string, def?: number): number {
  const n = mdNumber(md, key, def);
  if (!Number.isInteger(n)) throw new EngineError('BAD_METADATA', `metadata key "${key}" = ${n} is not an integer`);
  return n;
}

/** A boolean value. */
export function mdBool(md: GgufMetadata, key: string, def?: boolean): boolean {
  const r = lookup(md, key, def);
  if (r.hasDef) return r.def!;
  if (typeof r.v !== 'boolean') badType(key, r.v!, 'a boolean');
  return r.v;
}

function isStringArray(v: GgufValue): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** An array of strings (e.g. tokenizer.ggml.tokens). */
export function mdStringArray(md: GgufMetadata, key: string, def?: string[]): string[] {
  const r = lookup(md, key, def);
  if (r.hasDef) return r.def!;
  if (!isStringArray(r.v!)) badType(key, r.v!, 'an array of strings');
  return r.v as string[];
}

/** An array of f32 values (f64 arrays are converted). */
export function mdFloat32Array(md: GgufMetadata, key: string, def?: Float32Array): Float32Array {
  const r = lookup(md, key, def);
  if (r.hasDef) return r.def!;
  if (r.v instanceof Float32Array) return r.v;
  if (r.v instanceof Float64Array) return Float32Array.from(r.v);
  return badType(key, r.v!, 'an array of f32');
}

type IntArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

function isIntArray(v: GgufArray): v is IntArray {
  return (
    v instanceof Int8Array || v instanceof Uint8Array || v instanceof Int16Array || v instanceof Uint16Array ||
    v instanceof Int32Array || v instanceof Uint32Array || v instanceof BigInt64Array || v instanceof BigUint64Array
  );
}

/** An array of integers of any integer type whose values fit in i32 (e.g. token types), as Int32Array. */
export function mdInt32Array(md: GgufMetadata, key: string, def?: Int32Array): Int32Array {
  const r = lookup(md, key, def);
  if (r.hasDef) return r.def!;
  if (r.v instanceof Int32Array) return r.v;
  if (typeof r.v !== 'object' || !isIntArray(r.v as GgufArray)) return badType(key, r.v!, 'an array of integers');
  const src = r.v as IntArray;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const x = Number(src[i]);
    if (x < -0x80000000 || x > 0x7fffffff) {
      throw new EngineError('BAD_METADATA', `metadata key "${key}"[${i}] = ${src[i]} does not fit in a 32-bit integer`);
    }
    out[i] = x;
  }
  return out;
}
