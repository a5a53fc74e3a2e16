// Bad GGUF input: each crafted file gives its typed error code, both through the addon
// (readGgufSync → EngineError) and through the CLI (`infllm info FILE`: exit 1, exactly one line
// on stderr ending in [CODE], no stack lines). Files are made with GgufWriter or by patching
// single fields of its output (positions from GgufWriter's layout report) and of the tiny models.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufValueType as T, type GgufFileInfo } from '../../engine/binding/GgufBinding.js';
import { EngineError, type EngineErrorCode } from '../../engine/errors.js';
import { GgufWriter, ggufArray, type GgufLayout } from '../../engine/gguf/GgufWriter.js';
import { GgmlType } from '../../engine/gguf/ggmlTypes.js';
import { readGguf, readGgufSync } from '../../engine/model/gguf.js';
import { makeTempDir, runCli } from '../helpers/gguf.js';
import { sharedPath } from '../helpers/shared.js';

const tmp = makeTempDir('gguf-bad');
afterAll(tmp.cleanup);

interface BadCase {
  name: string;
  path: string;
  code: EngineErrorCode;
  /** Expected message fragment (checked through the addon). */
  message?: RegExp;
}
const cases: BadCase[] = [];

function add(name: string, bytes: Uint8Array | string, code: EngineErrorCode, message?: RegExp): void {
  const path = join(tmp.dir, `${String(cases.length).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '_')}.gguf`);
  writeFileSync(path, bytes);
  cases.push({ name, path, code, message });
}

/** A small valid file: two KVs (one string array) and two tensors. */
function base(): { bytes: Uint8Array; layout: GgufLayout } {
  const w = new GgufWriter();
  w.addString('general.architecture', 'llama');
  w.addStringArray('tokenizer.ggml.tokens', ['a', 'b', 'c']);
  w.addTensor('t0', [8], GgmlType.F32, new Uint8Array(32));
  w.addTensor('t1', [32], GgmlType.Q8_0, new Uint8Array(34));
  return w.build();
}

/** A copy of the base file with fn applied to a DataView over it. */
function patched(fn: (dv: DataView, layout: GgufLayout) => void): Uint8Array {
  const { bytes, layout } = base();
  fn(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), layout);
  return bytes;
}

function writerFile(fn: (w: GgufWriter) => void, options?: ConstructorParameters<typeof GgufWriter>[0]): Uint8Array {
  const w = new GgufWriter(options);
  fn(w);
  return w.toBytes();
}

// ---- files, magic, version --------------------------------------------------------------
cases.push({ name: 'missing file', path: join(tmp.dir, 'does-not-exist.gguf'), code: 'FILE_NOT_FOUND', message: /file not found/ });
const dirPath = join(tmp.dir, 'a-directory.gguf');
mkdirSync(dirPath);
cases.push({ name: 'a directory', path: dirPath, code: 'IS_DIRECTORY', message: /is a directory/ });
add('empty file', '', 'EMPTY_FILE', /is empty/);
add('wrong magic GGML', patched((dv) => dv.setUint8(3, 0x4c)), 'GGUF_BAD_MAGIC', /starts with 47 47 55 4c/);
add('text file', 'hello world\n', 'GGUF_BAD_MAGIC', /not a GGUF file/);
add('llama2.c checkpoint', readFileSync(sharedPath('models', 'stories260K.bin')), 'GGUF_BAD_MAGIC');
add('version 1', writerFile(() => {}, { version: 1 }), 'GGUF_UNSUPPORTED_VERSION', /version 1 is not supported/);
add('version 4', writerFile(() => {}, { version: 4 }), 'GGUF_UNSUPPORTED_VERSION', /version 4 is not supported/);
add('byte-swapped v3', patched((dv) => dv.setUint32(4, 3, false)), 'GGUF_UNSUPPORTED_VERSION', /big-endian/);
add('byte-swapped v2', patched((dv) => dv.setUint32(4, 2, false)), 'GGUF_UNSUPPORTED_VERSION', /byte-swapped version 2/);

// ---- counts and lengths far beyond the file --------------------------------------------
add('tensor count far beyond', patched((dv) => dv.setBigUint64(8, 10n ** 12n, true)), 'GGUF_TRUNCATED', /tensor count 1000000000000/);
add('kv count far beyond', patched((dv) => dv.setBigUint64(16, 1n << 50n, true)), 'GGUF_TRUNCATED', /metadata count/);
add('string length far beyond', patched((dv, l) => dv.setBigUint64(l.kvs[0].at, 0xffffffffn, true)), 'GGUF_TRUNCATED',
  /string length 4294967295 at offset 24 exceeds the \d+-byte file/);
add('value string length far beyond', patched((dv, l) => dv.setBigUint64(l.kvs[0].valueAt, 1n << 62n, true)), 'GGUF_TRUNCATED',
  /general.architecture.*string length 4611686018427387904/);
add('array count far beyond', patched((dv, l) => dv.setBigUint64(l.kvs[1].valueAt + 4, 1n << 40n, true)), 'GGUF_TRUNCATED',
  /array of 1099511627776 string elements/);
add('array count u64 max', patched((dv, l) => dv.setBigUint64(l.kvs[1].valueAt + 4, (1n << 64n) - 1n, true)), 'GGUF_TRUNCATED');
const stories = readFileSync(sharedPath('models', 'stories260K.gguf'));
const storiesLen = Buffer.from(stories);
storiesLen.writeBigUInt64LE(0xffffffffn, 24);
add('stories260K key length', storiesLen, 'GGUF_TRUNCATED', /string length 4294967295 at offset 24 exceeds the 1185376-byte file/);

// ---- tensor infos ----------------------------------------------------------------------------
add('unknown tensor type', patched((dv, l) => dv.setUint32(l.tensorInfos[0].typeAt, 31, true)), 'UNSUPPORTED_TENSOR_TYPE',
  /tensor "t0" has unknown GGML type id 31/);
add('tensor data past the end', patched((dv, l) => dv.setBigUint64(l.tensorInfos[1].offsetAt, 1n << 20n, true)), 'GGUF_TRUNCATED',
  /tensor "t1": data .* runs past the end/);
add('tensor offset overflow', patched((dv, l) => dv.setBigUint64(l.tensorInfos[1].offsetAt, (1n << 64n) - 32n, true)), 'GGUF_TRUNCATED');
add('misaligned data offset', patched((dv, l) => dv.setBigUint64(l.tensorInfos[1].offsetAt, 33n, true)), 'GGUF_MISALIGNED',
  /"t1": data offset 33 is not a multiple of the alignment 32/);
add('0 dimensions', patched((dv, l) => dv.setUint32(l.tensorInfos[0].nDimsAt, 0, true)), 'GGUF_CORRUPT', /0 dimensions/);
add('5 dimensions', patched((dv, l) => dv.setUint32(l.tensorInfos[0].nDimsAt, 5, true)), 'GGUF_CORRUPT', /5 dimensions/);
add('a dimension of 0', patched((dv, l) => dv.setBigUint64(l.tensorInfos[0].nDimsAt + 4, 0n, true)), 'GGUF_CORRUPT', /dimension 0 is 0/);
add('a negative dimension', patched((dv, l) => dv.setBigInt64(l.tensorInfos[0].nDimsAt + 4, -8n, true)), 'GGUF_CORRUPT', /dimension 0 is/);
add('row not a multiple of the block', patched((dv, l) => dv.setBigUint64(l.tensorInfos[1].nDimsAt + 4, 33n, true)), 'GGUF_CORRUPT',
  /row length 33 .* Q8_0 block size 32/);
{
  // Both dims of a [1, 1] tensor set to 2^40: their product overflows 64 bits.
  const { bytes, layout } = new GgufWriter().addTensor('big', [1, 1], GgmlType.F32, new Uint8Array(4)).build();
  const dv = new DataView(bytes.buffer);
  dv.setBigUint64(layout.tensorInfos[0].nDimsAt + 4, 1n << 40n, true);
  dv.setBigUint64(layout.tensorInfos[0].nDimsAt + 12, 1n << 40n, true);
  add('element count overflow', bytes, 'GGUF_CORRUPT', /element count overflows/);
}
add('duplicate tensor name', writerFile((w) => {
  w.addTensor('same', [1], GgmlType.F32, new Uint8Array(4)).addTensor('same', [1], GgmlType.F32, new Uint8Array(4));
}), 'GGUF_CORRUPT', /duplicate tensor name "same"/);

add('empty tensor name', writerFile((w) => w.addTensor('', [1], GgmlType.F32, new Uint8Array(4))), 'GGUF_CORRUPT', /empty name/);
add('invalid UTF-8 tensor name', writerFile((w) => w.addTensor(new Uint8Array([0xff]), [1], GgmlType.F32, new Uint8Array(4))),
  'GGUF_CORRUPT', /name of tensor 0 .* not valid UTF-8/);

// ---- metadata ----------------------------------------------------------------------------------
add('alignment 48', writerFile((w) => w.addKv('general.alignment', T.UINT32, 48)), 'GGUF_CORRUPT', /general.alignment 48 is not a power of two/);
add('alignment 0', writerFile((w) => w.addKv('general.alignment', T.UINT32, 0)), 'GGUF_CORRUPT', /not a power of two/);
add('alignment as u64', writerFile((w) => w.addKv('general.alignment', T.UINT64, 32n)), 'GGUF_CORRUPT', /has type u64, expected u32/);
add('duplicate key', writerFile((w) => w.addString('general.name', 'a').addU32('x', 1).addString('general.name', 'b')), 'GGUF_CORRUPT',
  /duplicate metadata key "general.name" at offset \d+ \(first at offset 24\)/);
add('invalid UTF-8 key', writerFile((w) => w.addKv(new Uint8Array([0x6b, 0xc0, 0xaf]), T.UINT8, 1)), 'GGUF_CORRUPT', /not valid UTF-8/);
add('empty key', writerFile((w) => w.addKv('', T.UINT8, 1)), 'GGUF_CORRUPT', /empty key/);
add('unknown value type', patched((dv, l) => dv.setUint32(l.kvs[0].typeAt, 13, true)), 'GGUF_CORRUPT', /unknown value type 13/);
add('unknown array element type', patched((dv, l) => dv.setUint32(l.kvs[1].valueAt, 99, true)), 'GGUF_CORRUPT', /unknown array element type 99/);
{
  let v = ggufArray(T.UINT8, [1]);
  for (let i = 0; i < 8; i++) v = ggufArray(T.ARRAY, [v]);
  add('arrays nested 9 deep', writerFile((w) => w.addKv('deep', T.ARRAY, v)), 'GGUF_CORRUPT', /nested deeper than 8/);
}
add('key with a newline in a message', writerFile((w) => w.addU32('line\nbreak', 1).addU32('line\nbreak', 2)), 'GGUF_CORRUPT',
  /duplicate metadata key "line\?break"/);

// ---- truncations of the tiny models ---------------------------------------------------------
function truncationLengths(bytes: Uint8Array, info: GgufFileInfo): number[] {
  // Tensor infos start 8 bytes (name length) before the first tensor's name.
  const tiStart = Buffer.from(bytes).indexOf(Buffer.from(info.tensors[0].name)) - 8;
  expect(tiStart).toBeGreaterThan(24);
  expect(tiStart).toBeLessThan(info.dataOffset);
  const spread = (a: number, b: number, k: number): number[] => Array.from({ length: k }, (_, i) => Math.floor(a + ((b - a) * (i + 1)) / (k + 1)));
  const lengths = [
    1, 3, 9, 20, //                                         magic, version, tensor count, KV count
    ...spread(24, tiStart, 4), //                           metadata
    ...spread(tiStart, info.dataOffset - 1, 3), //           tensor infos
    info.dataOffset - 1, //                                 padding before the data section
    info.dataOffset, info.dataOffset + 1, //                data: none, one byte
    Math.floor((info.dataOffset + bytes.length) / 2), bytes.length - 1,
  ];
  expect(new Set(lengths).size).toBe(16);
  return lengths;
}

for (const model of ['stories260K', 'llama-2-tiny-random']) {
  const bytes = readFileSync(sharedPath('models', `${model}.gguf`));
  const info = readGgufSync(sharedPath('models', `${model}.gguf`), { arrays: 'summary' });
  for (const len of truncationLengths(bytes, info)) add(`${model} truncated to ${len}`, bytes.subarray(0, len), 'GGUF_TRUNCATED');
}

// ---- the checks ------------------------------------------------------------------------------------
describe('bad GGUF input through the addon', () => {
  it('covers every code and 16 truncations of each tiny model', () => {
    expect(cases.filter((c) => / truncated to /.test(c.name)).length).toBe(32);
    expect(new Set(cases.map((c) => c.code))).toEqual(
      new Set(['FILE_NOT_FOUND', 'IS_DIRECTORY', 'EMPTY_FILE', 'GGUF_BAD_MAGIC', 'GGUF_UNSUPPORTED_VERSION', 'GGUF_TRUNCATED',
        'GGUF_CORRUPT', 'GGUF_MISALIGNED', 'UNSUPPORTED_TENSOR_TYPE']),
    );
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let err: unknown;
    try {
      readGgufSync(c.path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe(c.code);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    if (c.message) expect(message).toMatch(c.message);
  });
});

describe('bad GGUF input through the async reader', () => {
  it('rejects every case with the same code as the sync reader', async () => {
    for (const c of cases) {
      const err = await readGguf(c.path).then(() => undefined, (e: unknown) => e);
      expect(err, c.name).toBeInstanceOf(EngineError);
      expect((err as EngineError).code, c.name).toBe(c.code);
    }
  });
});

describe('bad GGUF input through `infllm info`', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = runCli(['info', c.path]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines.length).toBe(2); // one line plus the final newline
    expect(lines[1]).toBe('');
    expect(lines[0]).toMatch(new RegExp(`^infllm info: .+ \\[${c.code}\\]$`));
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
