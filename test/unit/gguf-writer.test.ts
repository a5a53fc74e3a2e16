// Byte layout of GgufWriter output, checked against byte sequences written out by hand from the
// GGUF v3 specification (no reader involved, so a reader bug cannot hide a writer bug).
import { describe, expect, it } from 'vitest';
import { GgufValueType as T } from '../../engine/binding/GgufBinding.js';
import { GgufWriter, ggufArray } from '../../engine/gguf/GgufWriter.js';
import { GGML_TYPES, GgmlType, ggmlTensorBytes, ggmlTypeById } from '../../engine/gguf/ggmlTypes.js';

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const u64 = (v: number): number[] => [...u32(v), 0, 0, 0, 0]; // small values only
const str = (s: string): number[] => [...u64(Buffer.byteLength(s)), ...Buffer.from(s)];
const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const MAGIC = [0x47, 0x47, 0x55, 0x46];

/** Bytes of the value of the only KV of a writer (after key and type tag). */
function valueBytes(type: (typeof T)[keyof typeof T], value: Parameters<GgufWriter['addKv']>[2]): number[] {
  const { bytes, layout } = new GgufWriter().addKv('k', type, value).build();
  return [...bytes.subarray(layout.kvs[0].valueAt, layout.headerEnd)];
}

describe('GgufWriter byte layout', () => {
  it('writes an empty file as header + padding to 32', () => {
    const bytes = new GgufWriter().toBytes();
    expect([...bytes]).toEqual([...MAGIC, ...u32(3), ...u64(0), ...u64(0), ...zeros(8)]);
  });

  it('writes version 2 and arbitrary versions in the header', () => {
    expect([...new GgufWriter({ version: 2 }).toBytes().subarray(4, 8)]).toEqual(u32(2));
    expect([...new GgufWriter({ version: 0x01020304 }).toBytes().subarray(4, 8)]).toEqual([4, 3, 2, 1]);
  });

  it('lays out one KV and one F32 tensor exactly', () => {
    const w = new GgufWriter();
    w.addU32('a', 7);
    w.addTensor('t', [2], GgmlType.F32, new Uint8Array(new Float32Array([1, 2]).buffer));
    const expected = [
      ...MAGIC, ...u32(3), ...u64(1), ...u64(1), //                      24 bytes
      ...str('a'), ...u32(4), ...u32(7), //                              KV: 17 → 41
      ...str('t'), ...u32(1), ...u64(2), ...u32(0), ...u64(0), //         tensor info: 33 → 74
      ...zeros(96 - 74), //                                              pad to 96
      0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, //                                1.0f, 2.0f → 104
      ...zeros(128 - 104), //                                            pad to 128
    ];
    const { bytes, layout } = w.build();
    expect([...bytes]).toEqual(expected);
    expect(layout.headerEnd).toBe(74);
    expect(layout.dataOffset).toBe(96);
    expect(layout.kvs[0]).toEqual({ key: 'a', at: 24, typeAt: 33, valueAt: 37 });
    expect(layout.tensorInfos[0]).toEqual({ name: 't', at: 41, nDimsAt: 50, typeAt: 62, offsetAt: 66 });
    expect(layout.tensorData[0]).toEqual({ name: 't', at: 96, nBytes: 8 });
  });

  it('aligns every tensor and honours general.alignment', () => {
    const w = new GgufWriter({ alignment: 32 });
    w.addKv('general.alignment', T.UINT32, 64);
    w.addTensor('x', [3], GgmlType.F32, new Uint8Array(12));
    w.addTensor('y', [1], GgmlType.F32, new Uint8Array([1, 2, 3, 4]));
    const { bytes, layout } = w.build();
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    // 24 header + KV (8+17 key, 4 type, 4 value = 33) = 57; infos: 2 × (8+1+4+8+4+8 = 33) → 123.
    expect(layout.headerEnd).toBe(123);
    expect(layout.dataOffset).toBe(128);
    expect(dv.getBigUint64(layout.tensorInfos[0].offsetAt, true)).toBe(0n);
    expect(dv.getBigUint64(layout.tensorInfos[1].offsetAt, true)).toBe(64n); // 12 bytes padded to 64
    expect([...bytes.subarray(128 + 64, 128 + 68)]).toEqual([1, 2, 3, 4]);
    expect(bytes.length).toBe(128 + 128);
  });

  it('adds general.alignment when the alignment option is not 32', () => {
    const { bytes, layout } = new GgufWriter({ alignment: 16 }).build();
    const expected = [
      ...MAGIC, ...u32(3), ...u64(0), ...u64(1), //                    24
      ...str('general.alignment'), ...u32(4), ...u32(16), //           + 25 + 4 + 4 = 57
      ...zeros(64 - 57), //                                            pad to 16 → 64
    ];
    expect([...bytes]).toEqual(expected);
    expect(layout.alignment).toBe(16);
    // An explicit KV wins over the option, and nothing is added then.
    const w = new GgufWriter({ alignment: 16 }).addKv('general.alignment', T.UINT32, 8);
    expect(w.build().layout.alignment).toBe(8);
    expect(w.build().layout.kvs.length).toBe(1);
  });

  it('encodes every scalar type little-endian', () => {
    expect(valueBytes(T.UINT8, 255)).toEqual([0xff]);
    expect(valueBytes(T.INT8, -2)).toEqual([0xfe]);
    expect(valueBytes(T.UINT16, 0x1234)).toEqual([0x34, 0x12]);
    expect(valueBytes(T.INT16, -2)).toEqual([0xfe, 0xff]);
    expect(valueBytes(T.UINT32, 0xdeadbeef)).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(valueBytes(T.INT32, -0x80000000)).toEqual([0, 0, 0, 0x80]);
    expect(valueBytes(T.FLOAT32, 1.5)).toEqual([0, 0, 0xc0, 0x3f]);
    expect(valueBytes(T.FLOAT64, -2)).toEqual([0, 0, 0, 0, 0, 0, 0, 0xc0]);
    expect(valueBytes(T.BOOL, true)).toEqual([1]);
    expect(valueBytes(T.BOOL, false)).toEqual([0]);
    expect(valueBytes(T.UINT64, (1n << 64n) - 1n)).toEqual(new Array(8).fill(0xff));
    expect(valueBytes(T.INT64, -(1n << 63n))).toEqual([0, 0, 0, 0, 0, 0, 0, 0x80]);
    expect(valueBytes(T.INT64, -1)).toEqual(new Array(8).fill(0xff));
    expect(valueBytes(T.STRING, 'é')).toEqual([...u64(2), 0xc3, 0xa9]);
    expect(valueBytes(T.STRING, '')).toEqual(u64(0));
    expect(valueBytes(T.STRING, new Uint8Array([0xff, 0xfe]))).toEqual([...u64(2), 0xff, 0xfe]);
  });

  it('encodes arrays, nested arrays and empty arrays', () => {
    expect(valueBytes(T.ARRAY, ggufArray(T.UINT16, [1, 0x0203]))).toEqual([...u32(2), ...u64(2), 1, 0, 3, 2]);
    expect(valueBytes(T.ARRAY, ggufArray(T.STRING, ['ab', '']))).toEqual([...u32(8), ...u64(2), ...str('ab'), ...u64(0)]);
    expect(valueBytes(T.ARRAY, ggufArray(T.FLOAT32, []))).toEqual([...u32(6), ...u64(0)]);
    const nested = ggufArray(T.ARRAY, [ggufArray(T.UINT8, [1]), ggufArray(T.BOOL, [])]);
    expect(valueBytes(T.ARRAY, nested)).toEqual([...u32(9), ...u64(2), ...u32(0), ...u64(1), 1, ...u32(7), ...u64(0)]);
  });

  it('rejects out-of-range values and wrong JS types when they are added', () => {
    const w = new GgufWriter();
    expect(() => w.addKv('k', T.UINT8, 256)).toThrow(RangeError);
    expect(() => w.addKv('k', T.INT8, -129)).toThrow(RangeError);
    expect(() => w.addKv('k', T.UINT32, 1.5)).toThrow(RangeError);
    expect(() => w.addKv('k', T.UINT64, -1n)).toThrow(RangeError);
    expect(() => w.addKv('k', T.UINT64, 1n << 64n)).toThrow(RangeError);
    expect(() => w.addKv('k', T.INT64, 1n << 63n)).toThrow(RangeError);
    expect(() => w.addKv('k', T.INT64, 2 ** 60)).toThrow(RangeError); // not a safe integer: use bigint
    expect(() => w.addKv('k', T.BOOL, 1)).toThrow(RangeError);
    expect(() => w.addKv('k', T.STRING, 3)).toThrow(RangeError);
    expect(() => w.addKv('k', T.ARRAY, ggufArray(T.UINT8, [1, 300]))).toThrow(/\[1\]/);
    expect(w.toBytes().length).toBe(32); // nothing was added
  });

  it('checks tensor byte sizes against the GGML type table', () => {
    const w = new GgufWriter();
    expect(() => w.addTensor('q', [16], GgmlType.Q4_0, new Uint8Array(9))).toThrow(/block size 32/);
    expect(() => w.addTensor('q', [32, 2], GgmlType.Q4_0, new Uint8Array(18))).toThrow(/needs 36/);
    expect(() => w.addTensor('q', [256], 4, new Uint8Array(1))).toThrow(/unknown GGML type id 4/);
    expect(() => w.addTensor('q', [0], GgmlType.F32, new Uint8Array(0))).toThrow(/bad dims/);
    expect(() => w.addTensor('q', [1, 1, 1, 1, 1], GgmlType.F32, new Uint8Array(4))).toThrow(/5 dimensions/);
    w.addTensor('k', [512, 2], GgmlType.Q4_K, new Uint8Array(2 * 2 * 144));
    expect(w.build().layout.tensorData[0].nBytes).toBe(576);
  });
});

describe('GGML type table (TS copy)', () => {
  it('has the sizes of ggml-common.h for the types the engine computes with', () => {
    // Block structs in ggml-common.h: sizes written out from their fields.
    const expected: Record<string, [number, number]> = {
      F32: [1, 4], F16: [1, 2], BF16: [1, 2],
      Q4_0: [32, 2 + 16], Q4_1: [32, 2 + 2 + 16], Q5_0: [32, 2 + 4 + 16], Q5_1: [32, 2 + 2 + 4 + 16],
      Q8_0: [32, 2 + 32], Q2_K: [256, 16 + 64 + 2 + 2], Q3_K: [256, 32 + 64 + 12 + 2],
      Q4_K: [256, 2 + 2 + 12 + 128], Q5_K: [256, 2 + 2 + 12 + 32 + 128], Q6_K: [256, 128 + 64 + 16 + 2],
    };
    for (const [name, [block, size]] of Object.entries(expected)) {
      const t = ggmlTypeById(GgmlType[name as keyof typeof GgmlType])!;
      expect([t.name, t.blockSize, t.typeSize, t.supported]).toEqual([name, block, size, true]);
    }
    expect(GGML_TYPES.filter((t) => t.supported).length).toBe(Object.keys(expected).length);
    expect(new Set(GGML_TYPES.map((t) => t.id)).size).toBe(GGML_TYPES.length);
    expect(ggmlTensorBytes(GgmlType.Q6_K, 512, 512 * 3)).toBe(6 * 210);
    expect(() => ggmlTensorBytes(GgmlType.Q6_K, 100, 100)).toThrow(RangeError);
  });
});
