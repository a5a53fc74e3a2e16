// The native GGUF reader on real files: every shared GGUF reads, header counts agree with the raw
// bytes, tensor tables agree with the golden files' independent tensor-type maps and with the
// model README, and the C++ accessor API (through binding._testing.gguf) converts and fails as
// documented. Round trips through GgufWriter are in gguf-roundtrip.test.ts.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import { EngineError } from '../../engine/errors.js';
import { ggmlTensorBytes } from '../../engine/gguf/ggmlTypes.js';
import { readGguf, readGgufSync } from '../../engine/model/gguf.js';
import { headerCounts, sharedGgufFiles } from '../helpers/gguf.js';
import { sharedDir, sharedPath } from '../helpers/shared.js';

const STORIES = (): string => sharedPath('models', 'stories260K.gguf');
const TINY = (): string => sharedPath('models', 'llama-2-tiny-random.gguf');

describe('every shared GGUF file', () => {
  const files = sharedGgufFiles();

  it('finds all 33 files (2 models, 16 synthetic, 1 passkey, 14 tokenizer vocabularies)', () => {
    expect(files.length).toBe(33);
  });

  it.each(files.map((f) => [basename(f), f]))('%s reads and is self-consistent', (_name, path) => {
    const bytes = readFileSync(path);
    const head = headerCounts(bytes);
    const f = readGgufSync(path);
    expect(f.version).toBe(head.version);
    expect([2, 3]).toContain(f.version);
    expect(f.fileSize).toBe(bytes.length);
    expect(Object.keys(f.metadata).length).toBe(head.nKv);
    expect(head.nKv).toBeGreaterThanOrEqual(10); // every file carries general.* and tokenizer.* keys
    expect(Object.keys(f.metadataTypes)).toEqual(Object.keys(f.metadata));
    expect(typeof f.metadata['general.architecture']).toBe('string');
    expect(f.tensors.length).toBe(head.nTensors);
    expect(f.alignment).toBe(32); // no shared file sets general.alignment (models/README.md)
    expect(f.dataOffset % 32).toBe(0);
    let end = f.dataOffset;
    for (const t of [...f.tensors].sort((a, b) => a.offset - b.offset)) {
      expect(t.offset).toBeGreaterThanOrEqual(end); // inside the data section, no overlap
      expect((t.offset - f.dataOffset) % f.alignment).toBe(0);
      const nElements = t.dims.reduce((a, b) => a * b, 1);
      expect(t.nBytes).toBe(ggmlTensorBytes(t.type, t.dims[0], nElements)); // TS copy of the type table
      end = t.offset + t.nBytes;
    }
    if (f.tensors.length > 0) expect(end).toBeLessThanOrEqual(bytes.length);
    // Vocabulary-only files end right after the header, without padding: dataOffset is then
    // the header end rounded up, a few bytes past the end of the file.
    else expect(f.dataOffset - bytes.length).toBeLessThan(f.alignment);
  });

  it('gives the same result asynchronously', async () => {
    for (const path of [STORIES(), TINY(), sharedPath('tokenizer-vectors', 'ggml-vocab-qwen2.gguf')]) {
      expect(await readGguf(path)).toEqual(readGgufSync(path));
    }
  });
});

describe('synthetic models against their golden files', () => {
  const goldenDir = join(sharedDir(), 'golden', 'synthetic');
  const names = sharedGgufFiles()
    .filter((f) => f.includes(`${join('models', 'synthetic')}`))
    .map((f) => basename(f, '.gguf'));

  it.each(names)('%s: tensor types equal model.tensor_types', (name) => {
    const golden = JSON.parse(readFileSync(join(goldenDir, `${name}.golden.json`), 'utf8'));
    const f = readGgufSync(sharedPath('models', 'synthetic', `${name}.gguf`));
    const types = Object.fromEntries(f.tensors.map((t) => [t.name, t.typeName]));
    expect(types).toEqual(golden.model.tensor_types);
    expect(f.fileSize).toBe(golden.model.size_bytes);
  });
});

describe('stories260K.gguf and llama-2-tiny-random.gguf as described in models/README.md', () => {
  it('stories260K: dims, tensor count, metadata', () => {
    const f = readGgufSync(STORIES());
    const dims = Object.fromEntries(f.tensors.map((t) => [t.name, t.dims]));
    expect(f.tensors.length).toBe(3 + 5 * 9);
    expect(dims['token_embd.weight']).toEqual([64, 512]);
    expect(dims['output.weight']).toEqual([64, 512]);
    expect(dims['output_norm.weight']).toEqual([64]);
    for (let l = 0; l < 5; l++) {
      expect(dims[`blk.${l}.attn_q.weight`]).toEqual([64, 64]);
      expect(dims[`blk.${l}.attn_k.weight`]).toEqual([64, 32]); // 4 KV heads × head size 8
      expect(dims[`blk.${l}.attn_v.weight`]).toEqual([64, 32]);
      expect(dims[`blk.${l}.attn_output.weight`]).toEqual([64, 64]);
      expect(dims[`blk.${l}.ffn_gate.weight`]).toEqual([64, 172]);
      expect(dims[`blk.${l}.ffn_up.weight`]).toEqual([64, 172]);
      expect(dims[`blk.${l}.ffn_down.weight`]).toEqual([172, 64]);
      expect(dims[`blk.${l}.attn_norm.weight`]).toEqual([64]);
      expect(dims[`blk.${l}.ffn_norm.weight`]).toEqual([64]);
    }
    expect(new Set(f.tensors.map((t) => t.typeName))).toEqual(new Set(['F32']));
    const md = f.metadata;
    expect(md['general.architecture']).toBe('llama');
    expect(md['general.name']).toBe('llama');
    expect(md['llama.context_length']).toBe(512); // patched from 128 at bytes 11048-11049
    expect(bytesAt(STORIES(), 11048, 2)).toEqual([0x00, 0x02]);
    expect(md['llama.attention.layer_norm_rms_epsilon']).toBe(Math.fround(1e-5));
    expect(md['llama.rope.freq_base']).toBeUndefined();
    expect(md['tokenizer.ggml.seperator_token_id']).toBe(4294967295);
    expect(md['tokenizer.ggml.padding_token_id']).toBe(4294967295);
    const tokens = md['tokenizer.ggml.tokens'] as string[];
    expect(tokens.length).toBe(512);
    expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(tokens.some((t) => t.startsWith('\u2581'))).toBe(true);
    const types = md['tokenizer.ggml.token_type'] as Int32Array;
    expect(types).toBeInstanceOf(Int32Array);
    expect([types[0], types[1], types[2]]).toEqual([2, 3, 3]);
    expect(types.slice(3, 259).every((t) => t === 6)).toBe(true);
    expect(types.slice(259).every((t) => t === 1)).toBe(true);
    expect(md['tokenizer.ggml.scores']).toBeInstanceOf(Float32Array);
  });

  it('llama-2-tiny-random: F16 matrices, F32 norms, 32000 tokens, no vocab_size key', () => {
    const f = readGgufSync(TINY());
    for (const t of f.tensors) expect(t.typeName).toBe(t.dims.length === 1 ? 'F32' : 'F16');
    expect(f.tensors.filter((t) => t.dims.length === 1).map((t) => t.name).sort()).toEqual([
      'blk.0.attn_norm.weight', 'blk.0.ffn_norm.weight', 'output_norm.weight',
    ]);
    expect(f.tensors.find((t) => t.name === 'token_embd.weight')!.dims).toEqual([8, 32000]);
    expect(f.metadata['general.name']).toBe('LLaMA v2');
    expect(f.metadata['general.file_type']).toBe(1);
    expect(f.metadata['llama.vocab_size']).toBeUndefined();
    expect((f.metadata['tokenizer.ggml.tokens'] as string[]).length).toBe(32000);
  });

  it("'summary' cuts arrays to 64 elements", () => {
    const f = readGgufSync(TINY(), { arrays: 'summary' });
    expect((f.metadata['tokenizer.ggml.tokens'] as string[]).length).toBe(64);
    expect((f.metadata['tokenizer.ggml.scores'] as Float32Array).length).toBe(64);
    expect(f.tensors.length).toBe(12);
  });
});

function bytesAt(path: string, at: number, n: number): number[] {
  return [...readFileSync(path).subarray(at, at + n)];
}

describe('C++ gguf_file accessors (binding._testing.gguf)', () => {
  const t = () => loadBinding()._testing.gguf;
  const badMetadata = (fn: () => unknown, re: RegExp): void => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string })?.code).toBe('BAD_METADATA');
    expect((err as Error).message).toMatch(re);
  };

  it('typed getters convert between integer types when the value fits', () => {
    expect(t().get(STORIES(), 'u32', 'llama.context_length')).toBe(512);
    expect(t().get(STORIES(), 'i32', 'llama.context_length')).toBe(512);
    expect(t().get(STORIES(), 'i64', 'llama.context_length')).toBe(512n);
    expect(t().get(STORIES(), 'u64', 'tokenizer.ggml.padding_token_id')).toBe(4294967295n);
    expect(t().get(STORIES(), 'f32', 'llama.attention.layer_norm_rms_epsilon')).toBe(Math.fround(1e-5));
    expect(t().get(STORIES(), 'string', 'general.architecture')).toBe('llama');
  });

  it('defaults apply only to absent keys', () => {
    expect(t().get(STORIES(), 'f32', 'llama.rope.freq_base', 10000)).toBe(10000);
    expect(t().get(STORIES(), 'bool', 'tokenizer.ggml.add_bos_token', true)).toBe(true);
    expect(t().get(STORIES(), 'u32', 'llama.block_count', 99)).toBe(5);
    badMetadata(() => t().get(STORIES(), 'u32', 'general.architecture', 1), /"general.architecture" has type string, expected u32/);
  });

  it('missing keys, wrong types and out-of-range values throw BAD_METADATA naming the key', () => {
    badMetadata(() => t().get(STORIES(), 'bool', 'tokenizer.ggml.add_bos_token'), /"tokenizer.ggml.add_bos_token" is missing/);
    badMetadata(() => t().get(STORIES(), 'i32', 'tokenizer.ggml.padding_token_id'), /padding_token_id" = 4294967295 does not fit in i32/);
    badMetadata(() => t().get(STORIES(), 'string', 'llama.block_count'), /"llama.block_count" has type u32, expected string/);
    badMetadata(() => t().get(STORIES(), 'f32', 'general.name'), /expected f32/);
    badMetadata(() => t().get(STORIES(), 'stringArray', 'tokenizer.ggml.scores'), /array of f32, expected an array of string/);
    badMetadata(() => t().get(STORIES(), 'intArray', 'tokenizer.ggml.tokens'), /array of string, expected integers/);
  });

  it('array views agree with the JS conversion', () => {
    const md = readGgufSync(STORIES()).metadata;
    expect(t().get(STORIES(), 'stringArray', 'tokenizer.ggml.tokens')).toEqual(md['tokenizer.ggml.tokens']);
    expect(t().get(STORIES(), 'f32Array', 'tokenizer.ggml.scores')).toEqual(md['tokenizer.ggml.scores']);
    expect(t().get(STORIES(), 'intArray', 'tokenizer.ggml.token_type')).toEqual([...(md['tokenizer.ggml.token_type'] as Int32Array)]);
  });

  it('tensor_data points at the tensor bytes in the file', () => {
    const f = readGgufSync(TINY());
    const bytes = readFileSync(TINY());
    for (const name of ['token_embd.weight', 'output_norm.weight', 'output.weight']) {
      const info = f.tensors.find((x) => x.name === name)!;
      expect(Buffer.from(t().tensorData(TINY(), name)).equals(bytes.subarray(info.offset, info.offset + info.nBytes))).toBe(true);
    }
    expect(() => t().tensorData(TINY(), 'nope')).toThrow(/no tensor named "nope"/);
  });
});

describe('readGguf errors', () => {
  it('maps native errors to EngineError with the native code', async () => {
    await expect(readGguf('/nonexistent/model.gguf')).rejects.toMatchObject({ name: 'EngineError', code: 'FILE_NOT_FOUND' });
    expect(() => readGgufSync(sharedPath('models', 'stories260K.bin'))).toThrow(EngineError);
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => readGgufSync(STORIES(), { arrays: 'some' as 'full' })).toThrow(TypeError);
  });
});
