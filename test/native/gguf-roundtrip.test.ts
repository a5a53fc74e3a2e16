// GgufWriter → native reader round trips: every value type (expected values written out literally,
// not taken from the writer), nested and empty arrays, 64-bit extremes on both sides of 2^53,
// unicode keys and values, tensors, alignments 32 and 64, versions 2 and 3.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufValueType as T } from '../../engine/binding/GgufBinding.js';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import { GgufWriter, ggufArray } from '../../engine/gguf/GgufWriter.js';
import { GGML_TYPES, GgmlType } from '../../engine/gguf/ggmlTypes.js';
import { EngineError } from '../../engine/errors.js';
import { readGguf, readGgufSync } from '../../engine/model/gguf.js';
import { makeTempDir } from '../helpers/gguf.js';

const tmp = makeTempDir('gguf-roundtrip');
afterAll(tmp.cleanup);
let n = 0;
function write(w: GgufWriter): string {
  const path = join(tmp.dir, `f${n++}.gguf`);
  w.writeFileSync(path);
  return path;
}

const U64_MAX = 18446744073709551615n;
const I64_MIN = -9223372036854775808n;
const I64_MAX = 9223372036854775807n;

/** [key, type, value written, value expected back, metadataTypes entry]. */
const SCALARS: [string, number, Parameters<GgufWriter['addKv']>[2], unknown][] = [
  ['u8', T.UINT8, 255, 255],
  ['i8', T.INT8, -128, -128],
  ['u16', T.UINT16, 65535, 65535],
  ['i16', T.INT16, -32768, -32768],
  ['u32', T.UINT32, 4294967295, 4294967295],
  ['i32', T.INT32, -2147483648, -2147483648],
  ['f32', T.FLOAT32, 0.1, 0.10000000149011612], // nearest float32 to 0.1
  ['f32.neg0', T.FLOAT32, -0, -0],
  ['f64', T.FLOAT64, -1e300, -1e300],
  ['bool.t', T.BOOL, true, true],
  ['bool.f', T.BOOL, false, false],
  ['str.empty', T.STRING, '', ''],
  ['str.unicode', T.STRING, 'héllo ▁wörld 🌍 日本語', 'héllo ▁wörld 🌍 日本語'],
  ['str.nul', T.STRING, 'a\u0000b', 'a\u0000b'],
  ['u64.max', T.UINT64, U64_MAX, U64_MAX],
  ['u64.2^53', T.UINT64, 9007199254740992n, 9007199254740992],
  ['u64.2^53+1', T.UINT64, 9007199254740993n, 9007199254740993n],
  ['u64.0', T.UINT64, 0, 0],
  ['i64.min', T.INT64, I64_MIN, I64_MIN],
  ['i64.max', T.INT64, I64_MAX, I64_MAX],
  ['i64.-2^53', T.INT64, -9007199254740992n, -9007199254740992],
  ['i64.-2^53-1', T.INT64, -9007199254740993n, -9007199254740993n],
];

const ARRAYS: [string, number, unknown[], unknown][] = [
  ['a.u8', T.UINT8, [0, 255], new Uint8Array([0, 255])],
  ['a.i8', T.INT8, [-128, 127], new Int8Array([-128, 127])],
  ['a.u16', T.UINT16, [1, 65535], new Uint16Array([1, 65535])],
  ['a.i16', T.INT16, [-32768, 5], new Int16Array([-32768, 5])],
  ['a.u32', T.UINT32, [4294967295, 0], new Uint32Array([4294967295, 0])],
  ['a.i32', T.INT32, [-2147483648, 7], new Int32Array([-2147483648, 7])],
  ['a.f32', T.FLOAT32, [1.5, -0.25, 3.4e38], new Float32Array([1.5, -0.25, 3.4e38])],
  ['a.f64', T.FLOAT64, [1e-300, -2], new Float64Array([1e-300, -2])],
  ['a.u64', T.UINT64, [0n, U64_MAX, 5], new BigUint64Array([0n, U64_MAX, 5n])],
  ['a.i64', T.INT64, [I64_MIN, I64_MAX, -1n], new BigInt64Array([I64_MIN, I64_MAX, -1n])],
  ['a.bool', T.BOOL, [true, false, true], [true, false, true]],
  ['a.str', T.STRING, ['', 'a', '日本', '🔑'], ['', 'a', '日本', '🔑']],
  ['a.empty.u8', T.UINT8, [], new Uint8Array(0)],
  ['a.empty.f32', T.FLOAT32, [], new Float32Array(0)],
  ['a.empty.str', T.STRING, [], []],
  ['a.empty.bool', T.BOOL, [], []],
];

function everyValueWriter(options: ConstructorParameters<typeof GgufWriter>[0]): GgufWriter {
  const w = new GgufWriter(options);
  for (const [key, type, value] of SCALARS) w.addKv(key, type as never, value);
  for (const [key, et, values] of ARRAYS) w.addKv(key, T.ARRAY, ggufArray(et as never, values as never));
  w.addKv('nested.u16', T.ARRAY, ggufArray(T.ARRAY, [ggufArray(T.UINT16, [1, 2]), ggufArray(T.UINT16, [])]));
  w.addKv('nested.str', T.ARRAY, ggufArray(T.ARRAY, [ggufArray(T.STRING, ['x', 'yz']), ggufArray(T.STRING, [''])]));
  w.addKv('nested.deep', T.ARRAY, ggufArray(T.ARRAY, [ggufArray(T.ARRAY, [ggufArray(T.INT64, [-5n])])]));
  w.addKv('nested.empty', T.ARRAY, ggufArray(T.ARRAY, []));
  w.addKv('ключ.名前.🔑', T.STRING, 'значение');
  w.addKv('__proto__', T.UINT32, 1);
  return w;
}

function tensorBytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
}

describe.each([
  [2, 32],
  [3, 32],
  [2, 64],
  [3, 64],
])('GGUF v%i, alignment %i', (version, alignment) => {
  const w = everyValueWriter({ version, alignment });
  const tensors: [string, number[], number, Uint8Array][] = [
    ['a.f32', [3], GgmlType.F32, tensorBytes(12, 1)],
    ['b.q8_0', [64, 2], GgmlType.Q8_0, tensorBytes(4 * 34, 2)],
    ['c.f16', [2, 1, 3, 1], GgmlType.F16, tensorBytes(12, 3)],
    ['d.q4_k', [256], GgmlType.Q4_K, tensorBytes(144, 4)],
    ['e.iq2_xxs', [256], GgmlType.IQ2_XXS, tensorBytes(66, 5)], // known type the engine cannot run: still readable
  ];
  for (const [name, dims, type, data] of tensors) w.addTensor(name, dims, type, data);
  const path = write(w);
  const f = readGgufSync(path);

  it('reads the header', () => {
    expect(f.version).toBe(version);
    expect(f.alignment).toBe(alignment);
    expect(f.dataOffset % alignment).toBe(0);
    expect(f.fileSize).toBe(readFileSync(path).length);
  });

  it('reads every scalar type exactly', () => {
    for (const [key, type, , expected] of SCALARS) {
      expect(f.metadata[key], key).toStrictEqual(expected);
      expect(f.metadataTypes[key], key).toBe(type);
    }
    expect(Object.is(f.metadata['f32.neg0'], -0)).toBe(true);
  });

  it('reads arrays as the documented JS types', () => {
    for (const [key, , , expected] of ARRAYS) {
      expect(f.metadata[key], key).toStrictEqual(expected);
      expect(f.metadataTypes[key], key).toBe(T.ARRAY);
    }
    expect(f.metadata['nested.u16']).toStrictEqual([new Uint16Array([1, 2]), new Uint16Array(0)]);
    expect(f.metadata['nested.str']).toStrictEqual([['x', 'yz'], ['']]);
    expect(f.metadata['nested.deep']).toStrictEqual([[new BigInt64Array([-5n])]]);
    expect(f.metadata['nested.empty']).toStrictEqual([]);
  });

  it('keeps unicode keys, file order and "__proto__" as an own key', () => {
    expect(f.metadata['ключ.名前.🔑']).toBe('значение');
    expect(Object.getPrototypeOf(f.metadata)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(f.metadata, '__proto__')).toBe(true);
    const expectedKeys = [...SCALARS.map((s) => s[0]), ...ARRAYS.map((a) => a[0])];
    expect(Object.keys(f.metadata).slice(0, expectedKeys.length)).toEqual(expectedKeys);
  });

  it('reads tensors: dims, types, sizes, aligned offsets and the bytes written', () => {
    const bytes = readFileSync(path);
    expect(f.tensors.map((t) => [t.name, t.dims, t.typeName])).toEqual([
      ['a.f32', [3], 'F32'],
      ['b.q8_0', [64, 2], 'Q8_0'],
      ['c.f16', [2, 1, 3, 1], 'F16'],
      ['d.q4_k', [256], 'Q4_K'],
      ['e.iq2_xxs', [256], 'IQ2_XXS'],
    ]);
    tensors.forEach(([, , , data], i) => {
      const t = f.tensors[i];
      expect(t.nBytes).toBe(data.length);
      expect((t.offset - f.dataOffset) % alignment).toBe(0);
      expect([...bytes.subarray(t.offset, t.offset + t.nBytes)]).toEqual([...data]);
    });
  });

  it('C++ accessors read nested string arrays and int arrays of any width', () => {
    const testing = loadBinding()._testing.gguf;
    expect(testing.get(path, 'nestedStrings', 'nested.str')).toEqual([['x', 'yz'], ['']]);
    expect(testing.get(path, 'intArray', 'a.i16')).toEqual([-32768, 5]);
    expect(testing.get(path, 'intArray', 'a.u32')).toEqual([4294967295, 0]);
    expect(() => testing.get(path, 'intArray', 'a.u64')).toThrow(/does not fit in i64/);
    expect(testing.get(path, 'i64', 'i64.min')).toBe(I64_MIN);
    expect(testing.get(path, 'u64', 'u64.max')).toBe(U64_MAX);
    expect(testing.get(path, 'string', 'ключ.名前.🔑')).toBe('значение');
  });
});

describe('value conversion edge cases', () => {
  it("'summary' keeps the first 64 elements of long arrays, at every nesting level", () => {
    const long = Array.from({ length: 100 }, (_, i) => i);
    const w = new GgufWriter()
      .addKv('u32', T.ARRAY, ggufArray(T.UINT32, long))
      .addKv('str', T.ARRAY, ggufArray(T.STRING, long.map(String)))
      .addKv('nested', T.ARRAY, ggufArray(T.ARRAY, long.map(() => ggufArray(T.UINT8, long))));
    const path = write(w);
    const s = readGgufSync(path, { arrays: 'summary' }).metadata;
    expect(s.u32).toStrictEqual(new Uint32Array(long.slice(0, 64)));
    expect(s.str).toStrictEqual(long.slice(0, 64).map(String));
    expect((s.nested as Uint8Array[]).length).toBe(64);
    expect((s.nested as Uint8Array[])[63]).toStrictEqual(new Uint8Array(long.slice(0, 64)));
    expect(readGgufSync(path).metadata.u32).toStrictEqual(new Uint32Array(long));
  });

  it('keeps invalid UTF-8 in values readable (U+FFFD), without crashing', () => {
    const w = new GgufWriter()
      .addKv('bad', T.STRING, new Uint8Array([0x61, 0xff, 0xc3]))
      .addKv('bads', T.ARRAY, ggufArray(T.STRING, [new Uint8Array([0xed, 0xa0, 0x80])]));
    const md = readGgufSync(write(w)).metadata;
    expect(typeof md.bad).toBe('string');
    expect((md.bad as string).startsWith('a')).toBe(true);
    expect(md.bad as string).toContain('\ufffd');
    expect((md.bads as string[])[0]).toContain('\ufffd');
  });

  it('reads the same asynchronously', async () => {
    const path = write(everyValueWriter({ version: 3 }));
    expect(await readGguf(path)).toStrictEqual(readGgufSync(path));
  });

  it('accepts a zero-tensor file whose data section would start past its end', () => {
    const bytes = new GgufWriter().addKv('general.architecture', T.STRING, 'llama').toBytes();
    const path = join(tmp.dir, 'nopad.gguf');
    // Drop the trailing padding, as llama.cpp's vocabulary-only files do.
    const end = 24 + 8 + 20 + 4 + 8 + 5; // header, key, type tag, value
    expect(bytes.length).toBe(96);
    writeFileSync(path, bytes.subarray(0, end));
    const f = readGgufSync(path);
    expect(f.tensors).toEqual([]);
    expect(f.dataOffset).toBe(96);
    expect(f.fileSize).toBe(end);
  });
});

describe('GGML type tables: TS (engine/gguf/ggmlTypes.ts) and native (ifl-ggml-types.cpp) agree', () => {
  it('on the name, block size and byte size of every assigned id', () => {
    const w = new GgufWriter();
    // One block of each type: the native reader checks ne[0] against its block size and
    // computes nBytes from its type size, so any difference between the tables shows here.
    for (const t of GGML_TYPES) w.addTensor(`t${t.id}`, [t.blockSize], t.id, new Uint8Array(t.typeSize));
    const f = readGgufSync(write(w));
    expect(f.tensors.map((t) => [t.type, t.typeName, t.nBytes])).toEqual(GGML_TYPES.map((t) => [t.id, t.name, t.typeSize]));
  });

  it('on the ids that are not assigned', () => {
    const assigned = new Set<number>(GGML_TYPES.map((t) => t.id));
    for (let id = 0; id <= 64; id++) {
      if (assigned.has(id)) continue;
      const { bytes, layout } = new GgufWriter().addTensor('x', [1], GgmlType.F32, new Uint8Array(4)).build();
      new DataView(bytes.buffer).setUint32(layout.tensorInfos[0].typeAt, id, true);
      const path = join(tmp.dir, `type-${id}.gguf`);
      writeFileSync(path, bytes);
      let err: unknown;
      try {
        readGgufSync(path);
      } catch (e) {
        err = e;
      }
      expect(err, `type id ${id}`).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('UNSUPPORTED_TENSOR_TYPE');
    }
  });
});
