/**
 * modelLoad errors: typed errors naming the tensor / type / key for models the engine cannot run
 * (crafted with GgufWriter through tinyModel.ts), file errors and argument errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/gguf.js';
import { modelApi } from '../helpers/golden.js';
import { sharedPath } from '../helpers/shared.js';
import { tinyModelWriter, type TinyModelSpec } from '../helpers/tinyModel.js';

const tmp = makeTempDir('model-load');
afterAll(() => tmp.cleanup());
const file = tinyModelWriter(tmp.dir);

const rejects = (spec: TinyModelSpec, code: string, message: RegExp) =>
  expect(modelApi().modelLoad(file(spec))).rejects.toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));

describe('modelLoad errors', () => {
  it('unsupported architecture names it', async () => {
    await rejects({ mutate: { kv: { 'general.architecture': 'gpt2' } } }, 'UNSUPPORTED_ARCHITECTURE', /"gpt2"/);
    await rejects({ mutate: { kv: { 'llama.expert_count': 8 } } }, 'UNSUPPORTED_ARCHITECTURE', /mixture-of-experts/);
    await rejects({ mutate: { kv: { 'llama.rope.scaling.type': 'yarn' } } }, 'UNSUPPORTED_ARCHITECTURE', /"yarn"/);
  });

  it('missing tensor names it', async () => {
    await rejects({ mutate: { omit: ['blk.1.ffn_up.weight'] } }, 'MISSING_TENSOR', /"blk\.1\.ffn_up\.weight"/);
    await rejects({ mutate: { omit: ['output_norm.weight'] } }, 'MISSING_TENSOR', /"output_norm\.weight"/);
    await rejects({ arch: 'qwen2', mutate: { omit: ['blk.0.attn_k.bias'] } }, 'MISSING_TENSOR', /"blk\.0\.attn_k\.bias"/);
    await rejects({ arch: 'qwen3', mutate: { omit: ['blk.1.attn_q_norm.weight'] } }, 'MISSING_TENSOR', /"blk\.1\.attn_q_norm\.weight"/);
  });

  it('wrong shape names the tensor, the expected and the actual dims', async () => {
    // default model: n_embd 64, 2 kv heads of 16 -> attn_k is [64, 32]
    await rejects({ mutate: { dims: { 'blk.0.attn_k.weight': [64, 16] } } }, 'BAD_TENSOR_SHAPE',
      /"blk\.0\.attn_k\.weight" has shape \[64, 16\], expected \[64, 32\]/);
    await rejects({ mutate: { dims: { 'token_embd.weight': [64, 39] } } }, 'BAD_TENSOR_SHAPE', /"token_embd\.weight".*\[64, 39\].*\[64, 40\]/);
    await rejects({ mutate: { dims: { 'blk.1.ffn_norm.weight': [64, 2] } } }, 'BAD_TENSOR_SHAPE', /"blk\.1\.ffn_norm\.weight".*expected \[64\]/);
  });

  it('unsupported tensor type names the tensor and the type', async () => {
    const iq2xxs = { id: 16, blockSize: 256, typeSize: 66 };
    await rejects({ nFf: 256, mutate: { typeId: { 'blk.0.ffn_down.weight': iq2xxs } } }, 'UNSUPPORTED_TENSOR_TYPE',
      /"blk\.0\.ffn_down\.weight" has type IQ2_XXS/);
    const i32 = { id: 26, blockSize: 1, typeSize: 4 };
    await rejects({ mutate: { typeId: { 'blk.1.attn_v.weight': i32 } } }, 'UNSUPPORTED_TENSOR_TYPE', /"blk\.1\.attn_v\.weight" has type I32/);
  });

  it('bad or missing metadata names the key', async () => {
    await rejects({ mutate: { omitKv: ['llama.block_count'] } }, 'BAD_METADATA', /llama\.block_count/);
    await rejects({ mutate: { omitKv: ['llama.attention.layer_norm_rms_epsilon'] } }, 'BAD_METADATA', /layer_norm_rms_epsilon/);
    await rejects({ mutate: { kv: { 'llama.attention.head_count_kv': 3 } } }, 'BAD_METADATA', /head_count_kv/);
    await rejects({ mutate: { omitKv: ['llama.vocab_size'] } }, 'BAD_METADATA', /vocab/);
  });

  it('file errors come from the GGUF reader', async () => {
    await expect(modelApi().modelLoad(join(tmp.dir, 'nope.gguf'))).rejects.toThrow(expect.objectContaining({ code: 'FILE_NOT_FOUND' }));
    const notGguf = join(tmp.dir, 'not.gguf');
    writeFileSync(notGguf, 'hello world, not a model');
    await expect(modelApi().modelLoad(notGguf)).rejects.toThrow(expect.objectContaining({ code: 'GGUF_BAD_MAGIC' }));
  });

  it('argument errors reject with INVALID_ARGUMENT', async () => {
    const api = modelApi();
    const p = sharedPath('models', 'stories260K.gguf');
    for (const bad of [() => api.modelLoad(p, { threads: 0 }), () => api.modelLoad(p, { threads: 1.5 }),
      () => api.modelLoad(p, { onProgress: 3 as unknown as () => void }), () => api.modelLoad(42 as unknown as string),
      () => api.modelLoad(p, {}, {} as never)]) {
      await expect(bad()).rejects.toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
