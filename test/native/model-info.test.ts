// describeModel against the golden files' `model.hparams` (written by the golden generator from
// llama.cpp / gguf-py, independent of this code), plus support checks on crafted files and the
// `infllm info` command on a good file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufValueType as T } from '../../engine/binding/GgufBinding.js';
import { GgufWriter } from '../../engine/gguf/GgufWriter.js';
import { GgmlType } from '../../engine/gguf/ggmlTypes.js';
import { readGgufSync } from '../../engine/model/gguf.js';
import { describeModel } from '../../engine/model/modelInfo.js';
import { makeTempDir, runCli } from '../helpers/gguf.js';
import { sharedDir, sharedPath } from '../helpers/shared.js';

interface GoldenModel {
  file: string;
  hparams: Record<string, unknown>;
  tensor_type_counts?: Record<string, number>;
}

function golden(rel: string): GoldenModel {
  return JSON.parse(readFileSync(join(sharedDir(), 'golden', rel), 'utf8')).model as GoldenModel;
}

const GOLDEN = [
  'stories260K.golden.json',
  'llama-2-tiny-random.golden.json',
  ...['llama.f32', 'llama3-rope.f32', 'qwen2.f32', 'qwen3.f32', 'llama-tied.f32', 'llama.f16', 'llama.bf16', 'llama.q8_0',
    'llama.q4_0', 'llama.q4_1', 'llama.q5_0', 'llama.q2_k', 'llama.q3_k_m', 'llama.q4_k_m', 'llama.q5_k_m', 'llama.q6_k']
    .map((m) => `synthetic/${m}.golden.json`),
];

// The 13 tensor types the brief lists as supported by the engine.
const SUPPORTED = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K'];

describe('describeModel against golden hparams', () => {
  it.each(GOLDEN)('%s', (rel) => {
    const g = golden(rel);
    const h = g.hparams;
    const path = rel.startsWith('synthetic/') ? sharedPath('models', 'synthetic', g.file) : sharedPath('models', g.file);
    const info = describeModel(readGgufSync(path));
    expect(info.architecture).toBe(h.architecture);
    expect(info.nEmbd).toBe(h.n_embd);
    expect(info.nLayer).toBe(h.n_layer);
    expect(info.nHead).toBe(h.n_head);
    expect(info.nHeadKv).toBe(h.n_head_kv);
    expect(info.headDim).toBe(h.head_dim);
    expect(info.nFf).toBe(h.n_ff);
    expect(info.vocabSize).toBe(h.n_vocab);
    expect(info.nCtxTrain).toBe(h.context_length);
    expect(info.rope.dimensionCount).toBe(h.rope_dimension_count);
    expect(info.rope.freqBase).toBe(h.rope_freq_base);
    expect(info.rope.freqBaseInFile).toBe(h.rope_freq_base_in_file);
    expect(info.rmsEps).toBe(h.rms_norm_eps);
    expect(info.tokenizer.model).toBe(h.tokenizer_model);
    expect(info.tokenizer.bosId).toBe(h.bos_token_id);
    expect(info.tokenizer.eosId).toBe(h.eos_token_id);
    expect(info.nTensors).toBe(h.n_tensors);
    if ('rope_freqs_tensor' in h) expect(info.rope.ropeFreqs).toBe(h.rope_freqs_tensor);
    if ('add_bos_token' in h) expect(info.tokenizer.addBos).toBe(h.add_bos_token);
    if ('file_type' in h) expect(info.fileType.id).toBe(h.file_type);
    if (g.tensor_type_counts) expect(info.tensorTypes).toEqual(g.tensor_type_counts);
    if (Array.isArray(h.tensor_types)) expect(Object.keys(info.tensorTypes).sort()).toEqual([...(h.tensor_types as string[])].sort());
    expect(info.support).toEqual({ architecture: true, tensorTypes: true, problems: [] });
  });

  it('labels quantizations as llama-quantize named them', () => {
    const label = (m: string): string | null => describeModel(readGgufSync(sharedPath('models', 'synthetic', `${m}.gguf`))).fileType.label;
    expect(label('llama.q4_k_m')).toBe('Q4_K_M');
    expect(label('llama.q3_k_m')).toBe('Q3_K_M');
    expect(label('llama.bf16')).toBe('BF16');
    expect(label('llama.f32')).toBe('F32');
    // llama-2-tiny-random has general.file_type 1; stories260K has none (guessed from its matrices).
    expect(describeModel(readGgufSync(sharedPath('models', 'llama-2-tiny-random.gguf'))).fileType).toEqual({ id: 1, label: 'F16' });
    expect(describeModel(readGgufSync(sharedPath('models', 'stories260K.gguf'))).fileType).toEqual({ id: null, label: 'F32 (guessed)' });
  });

  it('counts parameters as the sum of tensor elements', () => {
    // stories260K: 2 × 64×512 tables + 5 layers × (2·64·64 + 2·64·32 + 3·64·172 + 2·64) + 64.
    const expected = 2 * 64 * 512 + 5 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 172 + 2 * 64) + 64;
    expect(describeModel(readGgufSync(sharedPath('models', 'stories260K.gguf'))).parameterCount).toBe(expected);
  });
});

describe('describeModel support checks', () => {
  const tmp = makeTempDir('model-info');
  afterAll(tmp.cleanup);

  function crafted(arch: string, type: number, extra?: (w: GgufWriter) => void): string {
    const w = new GgufWriter().addString('general.architecture', arch);
    w.addU32(`${arch}.embedding_length`, 256).addU32(`${arch}.block_count`, 1).addU32(`${arch}.attention.head_count`, 4);
    extra?.(w);
    w.addTensor('blk.0.attn_q.weight', [256, 1], type, new Uint8Array(ggmlBytes(type)));
    const path = join(tmp.dir, `${arch}-${type}.gguf`);
    w.writeFileSync(path);
    return path;
  }
  function ggmlBytes(type: number): number {
    return ({ [GgmlType.F32]: 1024, [GgmlType.IQ2_XXS]: 66, [GgmlType.Q8_1]: 8 * 36 } as Record<number, number>)[type];
  }

  it('flags unsupported architectures and tensor types', () => {
    const a = describeModel(readGgufSync(crafted('gemma', GgmlType.F32)));
    expect(a.support.architecture).toBe(false);
    expect(a.support.problems).toEqual(['architecture "gemma" is not supported (supported: llama, qwen2, qwen3)']);
    const b = describeModel(readGgufSync(crafted('llama', GgmlType.IQ2_XXS)));
    expect(b.support).toEqual({ architecture: true, tensorTypes: false, problems: ['unsupported tensor types: IQ2_XXS'] });
    expect(describeModel(readGgufSync(crafted('qwen3', GgmlType.Q8_1))).support.tensorTypes).toBe(false);
  });

  it('reports every supported tensor type as supported', () => {
    for (const name of SUPPORTED) {
      const w = new GgufWriter().addString('general.architecture', 'llama');
      const id = GgmlType[name as keyof typeof GgmlType];
      w.addTensor('t', [256], id, new Uint8Array(tensorBytesFor(name)));
      const path = join(tmp.dir, `sup-${name}.gguf`);
      w.writeFileSync(path);
      expect(describeModel(readGgufSync(path)).support.tensorTypes, name).toBe(true);
    }
  });

  it('turns mistyped keys into problems instead of throwing', () => {
    const info = describeModel(readGgufSync(crafted('llama', GgmlType.F32, (w) => w.addKv('llama.context_length', T.STRING, 'long'))));
    expect(info.nCtxTrain).toBeNull();
    expect(info.support.problems).toContain('metadata key "llama.context_length" is string, expected a number');
  });
});

/** Bytes of a 256-element row of each supported type (from ggml-common.h block sizes). */
function tensorBytesFor(name: string): number {
  const perRow: Record<string, number> = {
    F32: 1024, F16: 512, BF16: 512, Q8_0: 8 * 34, Q4_0: 8 * 18, Q4_1: 8 * 20, Q5_0: 8 * 22, Q5_1: 8 * 24,
    Q2_K: 84, Q3_K: 110, Q4_K: 144, Q5_K: 176, Q6_K: 210,
  };
  return perRow[name];
}

describe('infllm info', () => {
  it('prints the ModelInfo JSON of a model and exits 0', () => {
    const path = sharedPath('models', 'synthetic', 'qwen2.f32.gguf');
    const r = runCli(['info', path]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toEqual(JSON.parse(JSON.stringify(describeModel(readGgufSync(path)))));
    expect(info.architecture).toBe('qwen2');
    expect(info.rope.freqBase).toBe(1000000);
  });

  it('rejects a missing argument with one line and exit 1', () => {
    const r = runCli(['info']);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
