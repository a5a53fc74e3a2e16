/**
 * GgufWriter: builds GGUF files byte by byte (v2/v3 little-endian layout) for tests, benchmarks
 * and synthetic models. Low-level and honest: it writes keys, values and tensors in the order
 * given, allows duplicates and any version number, and reports where every field landed
 * ({@link GgufLayout}) so tests can patch single fields to craft corrupt files.
 *
 * File layout written:
 *   "GGUF" | u32 version | u64 n_tensors | u64 n_kv
 *   n_kv × (string key | u32 value type | value)
 *   n_tensors × (string name | u32 n_dims | u64 ne[n_dims] | u32 ggml type | u64 offset)
 *   zero padding to the alignment | tensor data, each tensor padded to the alignment
 * Strings are u64 length + bytes; arrays are u32 element type + u64 count + elements.
 */
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { GgufValueType, type GgufValueTypeId } from '../binding/GgufBinding.js';
import { ggmlTypeById } from './ggmlTypes.js';
import { ByteSink, ggufArray, writeGgufString, writeGgufValue, type GgufWriterValue } from './ggufEncode.js';

export { ggufArray, type GgufWriterArray, type GgufWriterValue } from './ggufEncode.js';

/** Options of {@link GgufWriter}. */
export interface GgufWriterOptions {
  /**
   * Value of the header's version field (default 3). The layout is always the v2/v3 one
   * (u64 counts); other numbers are written as-is to craft unsupported-version files.
   */
  version?: number;
  /**
   * Alignment of the data section and of each tensor's data (default 32). Readers learn it only
   * from `general.alignment`, so when this differs from 32 and no such KV was added, build()
   * appends `general.alignment` (UINT32) as the last KV. A `general.alignment` UINT32 KV added
   * explicitly with a value >= 1 takes precedence over this option.
   */
  alignment?: number;
}

/** Where each part of the file was written (absolute byte offsets). */
export interface GgufLayout {
  /** One entry per KV in file order: start of the key, of the value type tag and of the value. */
  kvs: { key: string; at: number; typeAt: number; valueAt: number }[];
  /** One entry per tensor info: start, and the positions of its n_dims, type and offset fields. */
  tensorInfos: { name: string; at: number; nDimsAt: number; typeAt: number; offsetAt: number }[];
  /** End of the last tensor info (before padding). */
  headerEnd: number;
  /** Alignment used for the data section. */
  alignment: number;
  /** Start of the data section (headerEnd rounded up to the alignment). */
  dataOffset: number;
  /** Absolute position and size of each tensor's data. */
  tensorData: { name: string; at: number; nBytes: number }[];
}

interface PendingKv {
  key: string | Uint8Array;
  type: GgufValueTypeId;
  value: GgufWriterValue;
}

interface PendingTensor {
  name: string | Uint8Array;
  dims: number[];
  type: number;
  data: Uint8Array;
}

const utf8 = new TextDecoder();
const shown = (s: string | Uint8Array): string => (typeof s === 'string' ? s : utf8.decode(s));

/** Builds one GGUF file in memory; see the file comment for the layout. */
export class GgufWriter {
  private readonly version: number;
  private readonly alignment: number;
  private readonly kvs: PendingKv[] = [];
  private readonly tensors: PendingTensor[] = [];

  constructor(options: GgufWriterOptions = {}) {
    this.version = options.version ?? 3;
    this.alignment = options.alignment ?? 32;
    if (!Number.isInteger(this.version) || this.version < 0 || this.version > 0xffffffff) {
      throw new RangeError(`version ${this.version} is not a u32`);
    }
    if (!Number.isInteger(this.alignment) || this.alignment < 1) throw new RangeError(`alignment ${this.alignment} must be >= 1`);
  }

  /** Adds a key/value of any GGUF value type (for ARRAY, pass {@link ggufArray}(elementType, values)). */
  addKv(key: string | Uint8Array, type: GgufValueTypeId, value: GgufWriterValue): this {
    // Encode once now so that a bad value fails at the call that added it.
    writeGgufValue(new ByteSink(), type, value, `value of "${shown(key)}"`);
    this.kvs.push({ key, type, value });
    return this;
  }

  addString(key: string, value: string): this {
    return this.addKv(key, GgufValueType.STRING, value);
  }
  addU32(key: string, value: number): this {
    return this.addKv(key, GgufValueType.UINT32, value);
  }
  addI32(key: string, value: number): this {
    return this.addKv(key, GgufValueType.INT32, value);
  }
  addF32(key: string, value: number): this {
    return this.addKv(key, GgufValueType.FLOAT32, value);
  }
  addBool(key: string, value: boolean): this {
    return this.addKv(key, GgufValueType.BOOL, value);
  }
  addU64(key: string, value: bigint | number): this {
    return this.addKv(key, GgufValueType.UINT64, value);
  }
  addStringArray(key: string, values: readonly string[]): this {
    return this.addKv(key, GgufValueType.ARRAY, ggufArray(GgufValueType.STRING, values));
  }
  addF32Array(key: string, values: ArrayLike<number>): this {
    return this.addKv(key, GgufValueType.ARRAY, ggufArray(GgufValueType.FLOAT32, values));
  }
  addI32Array(key: string, values: ArrayLike<number>): this {
    return this.addKv(key, GgufValueType.ARRAY, ggufArray(GgufValueType.INT32, values));
  }

  /**
   * Adds a tensor. `dims` are innermost first (dims[0] = row length, a multiple of the type's
   * block size); `data.length` must equal the type's byte size for that shape.
   */
  addTensor(name: string | Uint8Array, dims: readonly number[], ggmlType: number, data: Uint8Array): this {
    const t = ggmlTypeById(ggmlType);
    const what = `tensor "${shown(name)}"`;
    if (!t) throw new RangeError(`${what}: unknown GGML type id ${ggmlType}`);
    if (dims.length < 1 || dims.length > 4) throw new RangeError(`${what}: ${dims.length} dimensions (1..4 allowed)`);
    if (dims.some((d) => !Number.isSafeInteger(d) || d < 1)) throw new RangeError(`${what}: bad dims [${dims.join(', ')}]`);
    if (dims[0] % t.blockSize !== 0) {
      throw new RangeError(`${what}: row length ${dims[0]} is not a multiple of ${t.name}'s block size ${t.blockSize}`);
    }
    const nElements = dims.reduce((a, b) => a * b, 1);
    const nBytes = (nElements / t.blockSize) * t.typeSize;
    if (data.length !== nBytes) {
      throw new RangeError(`${what}: ${data.length} data bytes given, ${t.name} [${dims.join(', ')}] needs ${nBytes}`);
    }
    this.tensors.push({ name, dims: [...dims], type: ggmlType, data });
    return this;
  }

  /** The KVs to write and the alignment of the layout (see {@link GgufWriterOptions.alignment}). */
  private resolveAlignment(): { kvs: PendingKv[]; alignment: number } {
    const explicit = this.kvs.filter((kv) => shown(kv.key) === 'general.alignment');
    for (const kv of explicit) {
      if (kv.type === GgufValueType.UINT32 && (kv.value as number) >= 1) return { kvs: this.kvs, alignment: kv.value as number };
    }
    if (explicit.length > 0 || this.alignment === 32) return { kvs: this.kvs, alignment: this.alignment };
    const added: PendingKv = { key: 'general.alignment', type: GgufValueType.UINT32, value: this.alignment };
    return { kvs: [...this.kvs, added], alignment: this.alignment };
  }

  /** Serialises the file and reports where each field went. */
  build(): { bytes: Uint8Array; layout: GgufLayout } {
    const sink = new ByteSink();
    const { kvs, alignment } = this.resolveAlignment();
    sink.bytes(new Uint8Array([0x47, 0x47, 0x55, 0x46])); // "GGUF"
    sink.u32(this.version);
    sink.u64(BigInt(this.tensors.length));
    sink.u64(BigInt(kvs.length));

    const layout: GgufLayout = { kvs: [], tensorInfos: [], headerEnd: 0, alignment, dataOffset: 0, tensorData: [] };
    for (const kv of kvs) {
      const at = sink.length;
      writeGgufString(sink, kv.key);
      const typeAt = sink.length;
      sink.u32(kv.type);
      const valueAt = sink.length;
      writeGgufValue(sink, kv.type, kv.value, `value of "${shown(kv.key)}"`);
      layout.kvs.push({ key: shown(kv.key), at, typeAt, valueAt });
    }

    // Data offsets relative to the data section: each tensor starts aligned.
    let rel = 0;
    const relOffsets: number[] = [];
    for (const t of this.tensors) {
      relOffsets.push(rel);
      rel += t.data.length;
      rel += (alignment - (rel % alignment)) % alignment;
    }
    this.tensors.forEach((t, i) => {
      const at = sink.length;
      writeGgufString(sink, t.name);
      const nDimsAt = sink.length;
      sink.u32(t.dims.length);
      for (const d of t.dims) sink.u64(BigInt(d));
      const typeAt = sink.length;
      sink.u32(t.type);
      const offsetAt = sink.length;
      sink.u64(BigInt(relOffsets[i]));
      layout.tensorInfos.push({ name: shown(t.name), at, nDimsAt, typeAt, offsetAt });
    });
    layout.headerEnd = sink.length;
    sink.pad(alignment);
    layout.dataOffset = sink.length;

    for (const t of this.tensors) {
      layout.tensorData.push({ name: shown(t.name), at: sink.length, nBytes: t.data.length });
      sink.bytes(t.data);
      sink.pad(alignment);
    }
    return { bytes: sink.toBytes(), layout };
  }

  /** The complete file. */
  toBytes(): Uint8Array {
    return this.build().bytes;
  }

  /** Writes the file to `path` (replacing it). */
  async writeFile(path: string): Promise<void> {
    await writeFile(path, this.toBytes());
  }

  /** Writes the file to `path` synchronously (tests, scripts). */
  writeFileSync(path: string): void {
    writeFileSync(path, this.toBytes());
  }
}
