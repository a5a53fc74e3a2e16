/**
 * Writes a multi-head-attention copy of a grouped-query-attention GGUF (spec oracle O12): every
 * key/value head of attn_k / attn_v is repeated g = n_head / n_head_kv times, so that new kv head
 * h is old kv head h / g (the head query head h reads under GQA), and head_count_kv becomes
 * head_count. Everything else (metadata, other tensors) is copied byte for byte with GgufWriter.
 * F32 weights only (what stories260K has).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { GgufValueType, type GgufValue, type GgufValueTypeId } from '../../engine/binding/GgufBinding.js';
import { GgufWriter, ggufArray, type GgufWriterValue } from '../../engine/gguf/GgufWriter.js';
import { GgmlType } from '../../engine/gguf/ggmlTypes.js';
import { readGgufSync } from '../../engine/model/gguf.js';

/** GGUF element type of an array value as the reader returns it. */
function elementType(v: GgufValue): GgufValueTypeId {
  if (Array.isArray(v)) {
    if (v.length === 0 || typeof v[0] === 'string') return GgufValueType.STRING;
    if (typeof v[0] === 'boolean') return GgufValueType.BOOL;
    throw new Error('nested arrays are not copied');
  }
  if (v instanceof Float32Array) return GgufValueType.FLOAT32;
  if (v instanceof Int32Array) return GgufValueType.INT32;
  if (v instanceof Uint32Array) return GgufValueType.UINT32;
  if (v instanceof Float64Array) return GgufValueType.FLOAT64;
  if (v instanceof Uint8Array) return GgufValueType.UINT8;
  if (v instanceof Int8Array) return GgufValueType.INT8;
  if (v instanceof Uint16Array) return GgufValueType.UINT16;
  if (v instanceof Int16Array) return GgufValueType.INT16;
  if (v instanceof BigUint64Array) return GgufValueType.UINT64;
  if (v instanceof BigInt64Array) return GgufValueType.INT64;
  throw new Error('unknown array value');
}

/**
 * Repeats the kv heads of a [rows = n_head_kv * head_dim, cols] row-major F32 matrix (GGUF dims
 * [cols, rows]): output row (h * head_dim + c) = input row ((h / g) * head_dim + c).
 */
export function repeatKvHeads(data: Uint8Array, cols: number, nHeadKv: number, headDim: number, g: number): Uint8Array {
  const src = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const out = new Float32Array(src.length * g); // [n_head_kv * g * head_dim, cols]
  for (let h = 0; h < nHeadKv * g; h++) {
    const from = Math.floor(h / g) * headDim * cols;
    out.set(src.subarray(from, from + headDim * cols), h * headDim * cols);
  }
  return new Uint8Array(out.buffer);
}

/** Writes the MHA copy of the llama-architecture GGUF `src` to `dst`. */
export function writeMhaCopy(src: string, dst: string): void {
  const info = readGgufSync(src);
  const bytes = readFileSync(src);
  const arch = String(info.metadata['general.architecture']);
  const nHead = Number(info.metadata[`${arch}.attention.head_count`]);
  const nHeadKv = Number(info.metadata[`${arch}.attention.head_count_kv`]);
  const headDim = Number(info.metadata[`${arch}.embedding_length`]) / nHead;
  const g = nHead / nHeadKv;
  const w = new GgufWriter({ alignment: info.alignment });
  for (const [key, value] of Object.entries(info.metadata)) {
    const type = info.metadataTypes[key];
    if (key === `${arch}.attention.head_count_kv`) w.addKv(key, type, nHead);
    else if (type === GgufValueType.ARRAY) w.addKv(key, type, ggufArray(elementType(value), value as unknown as ArrayLike<GgufWriterValue>));
    else w.addKv(key, type, value as number | bigint | boolean | string);
  }
  for (const t of info.tensors) {
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset + t.offset, t.nBytes);
    if (/\.attn_[kv]\.weight$/.test(t.name)) {
      if (t.type !== GgmlType.F32) throw new Error(`${t.name}: only F32 K/V weights are repeated`);
      w.addTensor(t.name, [t.dims[0], t.dims[1] * g], t.type, repeatKvHeads(data, t.dims[0], nHeadKv, headDim, g));
    } else {
      w.addTensor(t.name, t.dims, t.type, data);
    }
  }
  writeFileSync(dst, w.build().bytes);
}
