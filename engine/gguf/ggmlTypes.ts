/**
 * The GGML tensor type table in TypeScript: ids as stored in GGUF files, names as llama.cpp prints
 * them, elements per block and bytes per block. Mirrors native/src/ifl-ggml-types.cpp (the two are
 * compared entry by entry in test/native/gguf-roundtrip.test.ts through the native reader).
 */

/** One GGML tensor type. */
export interface GgmlTypeInfo {
  /** Type id as stored in a GGUF tensor info. */
  id: number;
  /** Name as llama.cpp prints it ("Q4_K"). */
  name: string;
  /** Elements per block (1 for plain types, 32 or 256 for quantized ones). */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
  /** The engine has dequantize/dot kernels for it (same flag as the native table). */
  supported: boolean;
}

/** k-quant super-block size. */
const QK_K = 256;

/** Every type id llama.cpp has assigned (gaps: 4, 5 removed Q4_2/Q4_3; 31-33, 36-38 removed repacks). */
export const GGML_TYPES = [
  { id: 0, name: 'F32', blockSize: 1, typeSize: 4, supported: true },
  { id: 1, name: 'F16', blockSize: 1, typeSize: 2, supported: true },
  { id: 2, name: 'Q4_0', blockSize: 32, typeSize: 18, supported: true },
  { id: 3, name: 'Q4_1', blockSize: 32, typeSize: 20, supported: true },
  { id: 6, name: 'Q5_0', blockSize: 32, typeSize: 22, supported: true },
  { id: 7, name: 'Q5_1', blockSize: 32, typeSize: 24, supported: true },
  { id: 8, name: 'Q8_0', blockSize: 32, typeSize: 34, supported: true },
  { id: 9, name: 'Q8_1', blockSize: 32, typeSize: 36, supported: false },
  { id: 10, name: 'Q2_K', blockSize: QK_K, typeSize: 84, supported: true },
  { id: 11, name: 'Q3_K', blockSize: QK_K, typeSize: 110, supported: true },
  { id: 12, name: 'Q4_K', blockSize: QK_K, typeSize: 144, supported: true },
  { id: 13, name: 'Q5_K', blockSize: QK_K, typeSize: 176, supported: true },
  { id: 14, name: 'Q6_K', blockSize: QK_K, typeSize: 210, supported: true },
  { id: 15, name: 'Q8_K', blockSize: QK_K, typeSize: 292, supported: false },
  { id: 16, name: 'IQ2_XXS', blockSize: QK_K, typeSize: 66, supported: false },
  { id: 17, name: 'IQ2_XS', blockSize: QK_K, typeSize: 74, supported: false },
  { id: 18, name: 'IQ3_XXS', blockSize: QK_K, typeSize: 98, supported: false },
  { id: 19, name: 'IQ1_S', blockSize: QK_K, typeSize: 50, supported: false },
  { id: 20, name: 'IQ4_NL', blockSize: 32, typeSize: 18, supported: false },
  { id: 21, name: 'IQ3_S', blockSize: QK_K, typeSize: 110, supported: false },
  { id: 22, name: 'IQ2_S', blockSize: QK_K, typeSize: 82, supported: false },
  { id: 23, name: 'IQ4_XS', blockSize: QK_K, typeSize: 136, supported: false },
  { id: 24, name: 'I8', blockSize: 1, typeSize: 1, supported: false },
  { id: 25, name: 'I16', blockSize: 1, typeSize: 2, supported: false },
  { id: 26, name: 'I32', blockSize: 1, typeSize: 4, supported: false },
  { id: 27, name: 'I64', blockSize: 1, typeSize: 8, supported: false },
  { id: 28, name: 'F64', blockSize: 1, typeSize: 8, supported: false },
  { id: 29, name: 'IQ1_M', blockSize: QK_K, typeSize: 56, supported: false },
  { id: 30, name: 'BF16', blockSize: 1, typeSize: 2, supported: true },
  { id: 34, name: 'TQ1_0', blockSize: QK_K, typeSize: 54, supported: false },
  { id: 35, name: 'TQ2_0', blockSize: QK_K, typeSize: 66, supported: false },
  { id: 39, name: 'MXFP4', blockSize: 32, typeSize: 17, supported: false },
] as const satisfies readonly GgmlTypeInfo[];

/** A GGML type name ("F32", "Q4_K", ...). */
export type GgmlTypeName = (typeof GGML_TYPES)[number]['name'];

/** Type ids by name, e.g. `GgmlType.Q4_K === 12`. */
export const GgmlType = Object.freeze(Object.fromEntries(GGML_TYPES.map((t) => [t.name, t.id]))) as Readonly<
  Record<GgmlTypeName, number>
>;

const byId = new Map<number, GgmlTypeInfo>(GGML_TYPES.map((t) => [t.id, t]));
const byName = new Map<string, GgmlTypeInfo>(GGML_TYPES.map((t) => [t.name, t]));

/** The type with this id, or undefined for an id no GGML version has assigned. */
export function ggmlTypeById(id: number): GgmlTypeInfo | undefined {
  return byId.get(id);
}

/** The type with this name ("Q4_K"), or undefined. */
export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return byName.get(name);
}

/**
 * Bytes of a tensor of `nElements` elements whose row length is `ne0`.
 * Throws RangeError when the id is unknown or `ne0` is not a multiple of the block size.
 */
export function ggmlTensorBytes(typeId: number, ne0: number, nElements: number): number {
  const t = byId.get(typeId);
  if (!t) throw new RangeError(`unknown GGML type id ${typeId}`);
  if (ne0 % t.blockSize !== 0) throw new RangeError(`row length ${ne0} is not a multiple of ${t.name}'s block size ${t.blockSize}`);
  return (nElements / t.blockSize) * t.typeSize;
}
