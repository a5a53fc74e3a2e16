/**
 * The forward pass on crafted models against a plain float64 TypeScript forward pass
 * (test/helpers/forwardReference.ts): architecture features the shared models do not combine
 * (head_dim != n_embd / n_head, partial RoPE, linear RoPE scaling, rope_freqs, output bias, tied
 * head) and every GGML type the engine supports (Q5_1 is in no shared model). Also checks that
 * the logits do not depend on how a sequence is split into calls, nor on the thread count.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { allTypeNames } from '../helpers/ggmlReference.js';
import { makeTempDir } from '../helpers/gguf.js';
import { diffToReference, logitsOverCalls, SPLIT_RUNS, TOKENS } from '../helpers/forwardRuns.js';
import { buildTinyModel, tinyModelWriter, type TinyModelSpec } from '../helpers/tinyModel.js';

const tmp = makeTempDir('fwd-ref');
afterAll(() => tmp.cleanup());

const writeModel = tinyModelWriter(tmp.dir);

/** Max |engine - reference| over all positions, and the largest |reference logit|. */
async function compare(spec: TinyModelSpec): Promise<{ diff: number; scale: number }> {
  const m = buildTinyModel(spec);
  // Exact numerics: compared with a float64 forward pass on exactly dequantized weights.
  return diffToReference(m, await logitsOverCalls(writeModel(m), { threads: 2, numerics: 'exact' }, [TOKENS.length]));
}

// Tolerance: float32 activations with exact weights against float64. Each float32 dot product of
// length n errs by about n * 2^-24 relative (~1e-5 for n = 256); a few layers of them, normalised
// by RMSNorm, keep the logit error near 1e-5 of the logit scale (the synthetic golden README
// measures 2e-5 absolute for the same kind of engine). 1e-4 of the scale leaves a 5x margin.
const REL = 1e-4;

describe('forward pass vs float64 reference on crafted models', () => {
  const archCases: [string, TinyModelSpec][] = [
    ['llama, GQA, default RoPE', {}],
    ['llama, head_dim 32 != n_embd/n_head, partial RoPE (16 of 32), output bias', { headDim: 32, ropeDims: 16, outputBias: true }],
    ['llama, linear RoPE scaling x4, rope_freqs, theta 500000', { ropeLinearFactor: 4, ropeFreqs: true, ropeBase: 500000 }],
    ['llama, tied embeddings, MHA', { tied: true, nHeadKv: 4 }],
    ['qwen2 (biases, NEOX)', { arch: 'qwen2', ropeBase: 1e6, rmsEps: 1e-6 }],
    ['qwen3 (q/k norm, NEOX, head_dim 32)', { arch: 'qwen3', headDim: 32, ropeBase: 1e6, rmsEps: 1e-6 }],
  ];
  for (const [name, spec] of archCases) {
    it(name, async () => {
      const { diff, scale } = await compare(spec);
      expect(scale).toBeGreaterThan(0.1);
      expect(diff).toBeLessThan(REL * Math.max(1, scale));
    });
  }

  for (const t of allTypeNames) {
    it(`weights of type ${t}`, async () => {
      // 256-wide rows: one k-quant super-block per row (ffn_down: n_ff 512, two).
      const { diff, scale } = await compare({ weightType: t, nEmbd: 256, nFf: 512, nHead: 4, nHeadKv: 2, nVocab: 64, seed: 7 });
      expect(scale).toBeGreaterThan(0.1);
      expect(diff).toBeLessThan(REL * Math.max(1, scale));
    });
  }

  it('is independent of call splits and thread count (bit-identical logits)', async () => {
    const m = buildTinyModel({ arch: 'qwen2', nVocab: 40 });
    const path = writeModel(m);
    const one = await logitsOverCalls(path, { threads: 1, numerics: 'exact' }, [TOKENS.length]);
    for (const [threads, splits] of SPLIT_RUNS) {
      const other = await logitsOverCalls(path, { threads, numerics: 'exact' }, splits);
      expect(Buffer.from(other.buffer).equals(Buffer.from(one.buffer)), `${threads} threads, splits ${splits}`).toBe(true);
    }
  });
});
