/**
 * engine/gguf/syntheticModel.ts, read back with the native GGUF reader: the tensor tables and
 * metadata equal those of the project's llama.cpp-made synthetic models (shared/models/synthetic,
 * an independent reference) for the same hyperparameters; every arch × weight type loads with the
 * right names, shapes and types and is judged supported by describeModel; quantized weights
 * dequantize (independent TS reference) to the F32 model's values within the type's error; the
 * weights have the documented scales; the streamed file equals what GgufWriter builds in memory;
 * presets have the real models' parameter counts; bad options, vocabularies and aborts are handled.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgufWriter } from '../../engine/gguf/GgufWriter.js';
import { QUANT_TYPES, type QuantType } from '../../engine/gguf/quantize/quantizeRow.js';
import {
  llama3RopeFreqs,
  planSyntheticModel,
  SYNTHETIC_PRESETS,
  writeSyntheticModel,
  writeSyntheticPlan,
  type SyntheticArch,
  type SyntheticModelOptions,
} from '../../engine/gguf/syntheticModel.js';
import { readGgufSync, type GgufFileInfo } from '../../engine/model/gguf.js';
import { describeModel } from '../../engine/model/modelInfo.js';
import { makeTempDir } from '../helpers/gguf.js';
import { dequantizeRow } from '../helpers/ggmlReference.js';
import { sharedPath } from '../helpers/shared.js';

const tmp = makeTempDir('synthetic');
afterAll(() => tmp.cleanup());
let counter = 0;
const out = (): string => join(tmp.dir, `m${counter++}.gguf`);

/** Values of a tensor as float64 via the independent reference dequantizer. */
function values(file: GgufFileInfo, bytes: Buffer, name: string): Float64Array {
  const t = file.tensors.find((x) => x.name === name)!;
  const n = t.dims.reduce((a, b) => a * b, 1);
  return dequantizeRow(t.typeName as QuantType, new Uint8Array(bytes.buffer, bytes.byteOffset + t.offset, t.nBytes), n);
}

function stats(v: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    s2 += v[i] * v[i];
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean) };
}

const tableOf = (f: GgufFileInfo): string[] => f.tensors.map((t) => `${t.name} ${t.typeName} [${t.dims.join(',')}]`);

describe('same layout as the llama.cpp-made synthetic models', () => {
  const cases: [string, Partial<SyntheticModelOptions>][] = [
    ['llama.f32.gguf', { arch: 'llama', nLayer: 2, nFf: 512, ropeTheta: 10000 }],
    ['llama3-rope.f32.gguf', { arch: 'llama', nLayer: 1, nFf: 256, ropeTheta: 500000, ropeFreqs: llama3RopeFreqs({ headDim: 64, theta: 500000, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 }) }],
    ['qwen2.f32.gguf', { arch: 'qwen2', nLayer: 1, nFf: 256, ropeTheta: 1e6 }],
    ['qwen3.f32.gguf', { arch: 'qwen3', nLayer: 1, nFf: 256, ropeTheta: 1e6 }],
    ['llama-tied.f32.gguf', { arch: 'llama', nLayer: 1, nFf: 256, ropeTheta: 10000, tiedEmbeddings: true }],
  ];

  it.each(cases)('%s: tensor table and every metadata key and value but name/description', async (file, opts) => {
    const ref = readGgufSync(sharedPath('models', 'synthetic', file));
    const path = out();
    await writeSyntheticModel(path, {
      nEmbd: 256, nHead: 4, nHeadKv: 2, nVocab: 512, nCtx: 2048, weightType: 'F32', seed: 1, vocab: ref,
      ...opts,
    } as SyntheticModelOptions);
    const ours = readGgufSync(path);
    expect(tableOf(ours)).toEqual(tableOf(ref));
    const skip = new Set(['general.name', 'general.description']);
    for (const [key, value] of Object.entries(ref.metadata)) {
      if (skip.has(key)) continue;
      expect(ours.metadataTypes[key], key).toBe(ref.metadataTypes[key]);
      expect(ours.metadata[key], key).toEqual(value);
    }
    expect(Object.keys(ours.metadata).filter((k) => !(k in ref.metadata)).sort()).toEqual(['general.description', 'general.name'].filter((k) => !(k in ref.metadata)));
  });

  it('llama3RopeFreqs reproduces the rope_freqs tensor llama.cpp\'s converter wrote (Llama 3.1 scaling)', () => {
    const path = sharedPath('models', 'synthetic', 'llama3-rope.f32.gguf');
    const ref = values(readGgufSync(path), readFileSync(path), 'rope_freqs.weight');
    const ours = llama3RopeFreqs({ headDim: 64, theta: 500000, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 });
    // Both are float32 roundings of the same formula computed in float64 (numpy vs JS): equal
    // up to one float32 ulp (2^-23 relative) where pow/π differ in their last double bit.
    for (let i = 0; i < 32; i++) expect(Math.abs(ours[i] - ref[i])).toBeLessThanOrEqual(ref[i] * 2 ** -23);
  });
});

const SMALL = { nLayer: 1, nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 256, nVocab: 300, nCtx: 1024, ropeTheta: 10000, seed: 7 };

describe.each(['llama', 'qwen2', 'qwen3'] as SyntheticArch[])('%s', (arch) => {
  const files = new Map<QuantType, { info: GgufFileInfo; bytes: Buffer; size: number }>();
  beforeAll(async () => {
    for (const weightType of QUANT_TYPES) {
      const path = out();
      const size = await writeSyntheticModel(path, { ...SMALL, arch, weightType });
      files.set(weightType, { info: readGgufSync(path), bytes: readFileSync(path), size });
    }
  });

  it.each(QUANT_TYPES)('%s: names, shapes and types; supported by describeModel', (weightType) => {
    const { info, size } = files.get(weightType)!;
    expect(info.fileSize).toBe(size);
    const extra = arch === 'qwen2' ? ['attn_q.bias', 'attn_k.bias', 'attn_v.bias'] : arch === 'qwen3' ? ['attn_q_norm.weight', 'attn_k_norm.weight'] : [];
    const names = ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'].map((n) => `blk.0.${n}.weight`);
    expect(info.tensors.map((t) => t.name).sort()).toEqual(
      ['token_embd.weight', 'output_norm.weight', 'output.weight', ...names, ...extra.map((n) => `blk.0.${n}`)].sort(),
    );
    const dims: Record<string, number[]> = {
      'token_embd.weight': [256, 300], 'output.weight': [256, 300], 'blk.0.attn_q.weight': [256, 256], 'blk.0.attn_k.weight': [256, 128],
      'blk.0.attn_v.weight': [256, 128], 'blk.0.attn_output.weight': [256, 256], 'blk.0.ffn_gate.weight': [256, 256],
      'blk.0.ffn_down.weight': [256, 256], 'blk.0.attn_q.bias': [256], 'blk.0.attn_k.bias': [128], 'blk.0.attn_q_norm.weight': [64],
    };
    for (const t of info.tensors) {
      if (dims[t.name]) expect(t.dims, t.name).toEqual(dims[t.name]);
      expect(t.typeName, t.name).toBe(t.dims.length === 2 ? weightType : 'F32');
    }
    const m = describeModel(info);
    expect(m.support).toEqual({ architecture: true, tensorTypes: true, problems: [] });
    expect([m.architecture, m.nLayer, m.nEmbd, m.nHead, m.nHeadKv, m.headDim, m.nFf, m.vocabSize, m.nCtxTrain]).toEqual([arch, 1, 256, 4, 2, 64, 256, 300, 1024]);
    expect(m.rmsEps).toBeCloseTo(arch === 'llama' ? 1e-5 : 1e-6, 12);
    expect(m.tokenizer.model).toBe('gpt2');
  });

  it('quantized weights are the F32 weights within the type\'s error (relative RMS)', () => {
    // Worst relative RMS error per tensor measured on these models: F16 2.1e-4, Q8_0 5.4e-3,
    // Q4_0 0.086, Q4_K 0.072, Q6_K 0.018; the bounds leave 1.5x margin. A tensor in the wrong
    // place, transposed or with other random values would give a relative error near 1.4.
    const bound: Record<QuantType, number> = { F32: 0, F16: 3e-4, Q8_0: 8e-3, Q4_0: 0.13, Q4_K: 0.11, Q6_K: 0.027 };
    const base = files.get('F32')!;
    for (const type of QUANT_TYPES) {
      const q = files.get(type)!;
      for (const t of q.info.tensors) {
        const want = values(base.info, base.bytes, t.name);
        const got = values(q.info, q.bytes, t.name);
        let err = 0;
        let ref = 0;
        for (let i = 0; i < want.length; i++) {
          err += (got[i] - want[i]) ** 2;
          ref += want[i] ** 2;
        }
        expect(Math.sqrt(err / ref), `${type} ${t.name}`).toBeLessThanOrEqual(t.typeName === 'F32' ? 0 : bound[type]);
      }
    }
  });
});

describe('values', () => {
  it('have the documented scales', async () => {
    const path = out();
    await writeSyntheticModel(path, { ...SMALL, arch: 'qwen3', nVocab: 2000, weightType: 'F32' });
    const info = readGgufSync(path);
    const bytes = readFileSync(path);
    const v = (name: string): Float64Array => values(info, bytes, name);
    // Sample sizes >= 32768 give a standard error of the std estimate below 0.4%: 3% tolerance.
    expect(stats(v('token_embd.weight')).std).toBeCloseTo(1, 1);
    expect(stats(v('blk.0.attn_q.weight')).std / (1.3 / 16)).toBeGreaterThan(0.97);
    expect(stats(v('blk.0.attn_q.weight')).std / (1.3 / 16)).toBeLessThan(1.03);
    expect(Math.abs(stats(v('blk.0.ffn_down.weight')).std * 16 - 1)).toBeLessThan(0.03);
    // 256 norm values N(1, 0.1²): mean within 4 standard errors (0.025).
    expect(Math.abs(stats(v('blk.0.attn_norm.weight')).mean - 1)).toBeLessThan(0.025);
    expect(Math.abs(stats(v('blk.0.attn_q_norm.weight')).mean - 1.3)).toBeLessThan(0.1);
    // output rows: N(0, (2/16)²) times exp(0.4 N): the log of the row RMS has std ≈ 0.4 (2000 rows).
    const head = v('output.weight');
    const logRms = Array.from({ length: 2000 }, (_, r) => Math.log(stats(head.subarray(256 * r, 256 * r + 256)).std));
    expect(Math.abs(stats(logRms).std - 0.4)).toBeLessThan(0.03);
    expect(Math.abs(Math.exp(stats(logRms).mean) - 2 / 16)).toBeLessThan(0.01);
  });

  it('are deterministic per seed and differ between seeds', async () => {
    const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
    const [a, b, c] = [out(), out(), out()];
    await writeSyntheticModel(a, { ...SMALL, arch: 'llama', weightType: 'Q4_K' });
    await writeSyntheticModel(b, { ...SMALL, arch: 'llama', weightType: 'Q4_K' });
    await writeSyntheticModel(c, { ...SMALL, arch: 'llama', weightType: 'Q4_K', seed: 8 });
    expect(sha(a)).toBe(sha(b));
    const ia = readGgufSync(a);
    const ic = readGgufSync(c);
    const data = (p: string, f: GgufFileInfo): Buffer => readFileSync(p).subarray(f.tensors[0].offset, f.tensors[0].offset + f.tensors[0].nBytes);
    expect(data(a, ia).equals(data(c, ic))).toBe(false);
  });
});

describe('streamed file', () => {
  it('equals the file GgufWriter builds in memory from the same metadata and tensor data', async () => {
    const opts: SyntheticModelOptions = { ...SMALL, arch: 'qwen2', weightType: 'Q6_K', ropeFreqs: new Float32Array(32).fill(2) };
    const path = out();
    await writeSyntheticModel(path, opts);
    const bytes = readFileSync(path);
    const info = readGgufSync(path);
    const w = new GgufWriter();
    for (const kv of planSyntheticModel(opts).metadata) w.addKv(kv.key, kv.type, kv.value);
    for (const t of info.tensors) w.addTensor(t.name, t.dims, t.type, new Uint8Array(bytes.buffer, bytes.byteOffset + t.offset, t.nBytes));
    expect(Buffer.from(w.toBytes()).equals(bytes)).toBe(true);
  });

  it('writes an edited plan (a tensor dropped, a shape changed) for loader error tests', async () => {
    const plan = planSyntheticModel({ ...SMALL, arch: 'llama', weightType: 'Q4_0' });
    plan.tensors = plan.tensors.filter((t) => t.name !== 'blk.0.ffn_up.weight');
    plan.tensors.find((t) => t.name === 'blk.0.attn_k.weight')!.dims = [256, 96];
    const path = out();
    await writeSyntheticPlan(path, plan);
    const info = readGgufSync(path);
    expect(info.tensors.map((t) => t.name)).not.toContain('blk.0.ffn_up.weight');
    expect(info.tensors.find((t) => t.name === 'blk.0.attn_k.weight')?.dims).toEqual([256, 96]);
  });

  it('an abort rejects with the signal reason and leaves no file or temp file', async () => {
    const dir = makeTempDir('synthetic-abort');
    try {
      const controller = new AbortController();
      const reason = new Error('stop');
      const path = join(dir.dir, 'big.gguf');
      const p = writeSyntheticModel(path, { ...SMALL, arch: 'llama', nVocab: 20000, weightType: 'F32' }, {
        signal: controller.signal,
        onProgress: ({ done, total }) => {
          if (done > total / 3) controller.abort(reason);
        },
      });
      await expect(p).rejects.toBe(reason);
      expect(existsSync(path)).toBe(false);
      expect(readdirSync(dir.dir)).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });
});

describe('presets, vocabularies and errors', () => {
  it('presets have the published parameter counts of Qwen2.5-0.5B and Llama-3.2-1B', () => {
    const count = (o: SyntheticModelOptions): number =>
      planSyntheticModel(o).tensors.filter((t) => t.name !== 'rope_freqs.weight').reduce((s, t) => s + t.dims.reduce((a, b) => a * b, 1), 0);
    // Counted from the Hugging Face configs (tied embeddings): 494,032,768 and 1,235,814,400.
    expect(count({ ...SYNTHETIC_PRESETS['qwen2.5-0.5b'], weightType: 'Q4_0', seed: 1 })).toBe(494_032_768);
    expect(count({ ...SYNTHETIC_PRESETS['llama-3.2-1b'], weightType: 'Q4_0', seed: 1 })).toBe(1_235_814_400);
    // Qwen's 896-wide rows are not whole 256-blocks: K-quants fall back like llama.cpp does.
    const types = new Set(planSyntheticModel({ ...SYNTHETIC_PRESETS['qwen2.5-0.5b'], weightType: 'Q4_K', seed: 1 }).tensors.map((t) => `${t.dims[0]}:${t.type}`));
    expect([...types].sort()).toEqual(['128:F32', '4864:Q4_K', '896:F32', '896:Q4_0']);
  });

  it('copies a vocabulary exactly (stories260K) and generates a consistent byte-level BPE one', async () => {
    const src = readGgufSync(sharedPath('models', 'stories260K.gguf'));
    const path = out();
    await writeSyntheticModel(path, { ...SMALL, arch: 'llama', nVocab: 512, weightType: 'Q8_0', vocab: src });
    const copy = readGgufSync(path);
    for (const key of Object.keys(src.metadata).filter((k) => k.startsWith('tokenizer.'))) expect(copy.metadata[key], key).toEqual(src.metadata[key]);
    const gen = planSyntheticModel({ ...SMALL, arch: 'qwen2', nVocab: 5000, weightType: 'F32' }).metadata;
    const get = (k: string): unknown => gen.find((e) => e.key === k)!.value;
    const tokens = (get('tokenizer.ggml.tokens') as { values: string[] }).values;
    const merges = (get('tokenizer.ggml.merges') as { values: string[] }).values;
    expect(tokens.length).toBe(5000);
    expect(new Set(tokens).size).toBe(5000);
    expect(merges.length).toBe(5000 - 256 - 3);
    const known = new Set(tokens);
    for (const m of merges) {
      const [l, r] = m.split(' ');
      expect(known.has(l) && known.has(r) && known.has(l + r), m).toBe(true);
    }
    expect(tokens[get('tokenizer.ggml.eos_token_id') as number]).toBe('<|endoftext|>');
  });

  it.each([
    [{ nHeadKv: 3 }, /nHead 4 is not a multiple of nHeadKv 3/],
    [{ headDim: 63 }, /head size 63/],
    [{ nLayer: 0 }, /nLayer must be a positive integer/],
    [{ ropeFreqs: [1, 2, 3] }, /ropeFreqs needs 32 values/],
    [{ weightType: 'Q5_K' }, /unknown weightType "Q5_K"/],
    [{ arch: 'gpt2' }, /unknown architecture "gpt2"/],
    [{ nVocab: 100 }, /nVocab 100 is too small/],
    [{ seed: -1 }, /seed must be an integer >= 0/],
  ] as [Partial<SyntheticModelOptions>, RegExp][])('refuses %o with INVALID_ARGUMENT', async (bad, message) => {
    const path = out();
    await expect(writeSyntheticModel(path, { ...SMALL, arch: 'llama', weightType: 'F32', ...bad })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a vocabulary whose size differs from nVocab', () => {
    const src = readGgufSync(sharedPath('models', 'stories260K.gguf'));
    expect(() => planSyntheticModel({ ...SMALL, arch: 'llama', weightType: 'F32', vocab: src })).toThrow(/has 512 tokens but nVocab is 300/);
  });
});
