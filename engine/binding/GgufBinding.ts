/**
 * Native exports for reading GGUF files (native/addon/addon-gguf.cpp). The parser validates every
 * count, length and offset against the file size; failures reject with an Error whose `code` is
 * one of the GGUF_* / FILE_* codes of engine/errors.ts.
 * @internal
 */

/** A GGUF metadata value as it crosses into JS. */
export type GgufScalar = number | bigint | boolean | string;
/**
 * Arrays: strings → string[], bools → boolean[], numbers → the matching typed array
 * (u8 → Uint8Array, i8 → Int8Array, u16, i16, u32, i32, f32 → Float32Array, f64 → Float64Array,
 * u64 → BigUint64Array, i64 → BigInt64Array), arrays of arrays → GgufArray[].
 */
export type GgufArray =
  | string[]
  | boolean[]
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array
  | GgufArray[];
export type GgufValue = GgufScalar | GgufArray;

/** GGUF value type ids (gguf_type in ggml). */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufValueTypeId = (typeof GgufValueType)[keyof typeof GgufValueType];

export interface GgufTensorInfo {
  name: string;
  /** GGML type id (e.g. 12 = Q4_K). */
  type: number;
  /** GGML type name as llama.cpp prints it ("Q4_K"). */
  typeName: string;
  /** Dimensions, innermost first (ne[0] = row length), as stored in the file. */
  dims: number[];
  /** Absolute byte offset of the tensor data in the file. */
  offset: number;
  /** Bytes of tensor data. */
  nBytes: number;
}

export interface GgufFileInfo {
  path: string;
  /** GGUF version (2 or 3). */
  version: number;
  fileSize: number;
  /** general.alignment or 32. */
  alignment: number;
  /** Absolute offset where the tensor data section starts. */
  dataOffset: number;
  /** Every metadata key/value in file order (integers: number when |v| <= 2^53, else bigint). */
  metadata: Record<string, GgufValue>;
  /** Value type id of each metadata key (for arrays: ARRAY). */
  metadataTypes: Record<string, GgufValueTypeId>;
  tensors: GgufTensorInfo[];
}

export interface GgufReadOptions {
  /**
   * 'full' (default): every array value in full. 'summary': arrays longer than 64 elements are
   * replaced by their first 64 elements (for quick inspection of large vocabularies).
   */
  arrays?: 'full' | 'summary';
}

export interface GgufBinding {
  /** Parses a GGUF file's header, metadata and tensor table off the JS thread. */
  ggufRead(path: string, options?: GgufReadOptions): Promise<GgufFileInfo>;
  /** The same, synchronously (CLI and tests). */
  ggufReadSync(path: string, options?: GgufReadOptions): GgufFileInfo;
}

/** What `_testing.gguf.get` calls on the C++ gguf_file (the accessors the model loader uses). */
export type GgufTestingGetKind =
  | 'u32'
  | 'i32'
  | 'i64'
  | 'u64'
  | 'f32'
  | 'bool'
  | 'string'
  | 'intArray'
  | 'f32Array'
  | 'stringArray'
  | 'nestedStrings';

/**
 * Test-only exports of native/addon/addon-gguf-testing.cpp: they open the file and call one
 * gguf_file accessor, so tests can check the C++ API's conversions and BAD_METADATA errors.
 * @internal
 */
export interface GgufTestingBinding {
  _testing: {
    gguf: {
      /** gguf_file::get_<kind>(key[, def]); i64/u64 return bigint, arrays return arrays. */
      get(path: string, kind: GgufTestingGetKind, key: string, def?: number | boolean | string): unknown;
      /** A copy of the tensor's bytes read through gguf_file::tensor_data(find_tensor(name)). */
      tensorData(path: string, name: string): Uint8Array;
    };
  };
}
