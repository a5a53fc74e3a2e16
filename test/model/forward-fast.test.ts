/**
 * Fast numerics through the whole forward pass on crafted models of every quantized type: the
 * logits are bitwise independent of how a sequence is split into calls and of the thread count
 * (the integer kernels apply float scales in one fixed order), fast is the default and is
 * reported, and it stays close to a float64 forward pass on the exact weights.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type GgmlTypeName } from '../helpers/ggmlReference.js';
import { makeTempDir } from '../helpers/gguf.js';
import { modelApi } from '../helpers/golden.js';
import { diffToReference, logitsOverCalls, SPLIT_RUNS, TOKENS } from '../helpers/forwardRuns.js';
import { buildTinyModel, tinyModelWriter } from '../helpers/tinyModel.js';

const tmp = makeTempDir('fwd-fast');
afterAll(() => tmp.cleanup());
const writeModel = tinyModelWriter(tmp.dir);

const QUANT: GgmlTypeName[] = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K'];

describe('forward pass with fast numerics', () => {
  for (const type of QUANT) {
    it(`${type}: bit-identical over call splits and thread counts, close to float64`, async () => {
      // 256-wide rows: one K-quant super-block per row (ffn_down: n_ff 512, two).
      const m = buildTinyModel({ weightType: type, nEmbd: 256, nFf: 512, nHead: 4, nHeadKv: 2, nVocab: 64, seed: 11 });
      const path = writeModel(m);
      const one = await logitsOverCalls(path, { threads: 1, numerics: 'fast' }, [TOKENS.length]);
      for (const [threads, splits] of SPLIT_RUNS) {
        const other = await logitsOverCalls(path, { threads, numerics: 'fast' }, splits);
        expect(Buffer.from(other.buffer).equals(Buffer.from(one.buffer)), `${threads} threads, splits ${splits}`).toBe(true);
      }
      // Against exact math: 8-bit activations err by up to half a quantization step (amax / 254
      // of each 32- or 256-element block), an RMS error of ~0.8% of the block's RMS (amax is ~3.5
      // RMS), and so does each matmul output. About 15 matmuls in sequence add up to ~3% RMS, and
      // the largest of 768 logit errors is ~3x that: ~10% of the logit scale (measured 1.4-5.5%).
      // 15% still fails for a wrong scale, type or activation format (errors of order 100%).
      const { diff, scale } = diffToReference(m, one);
      expect(scale).toBeGreaterThan(0.1);
      expect(diff).toBeLessThan(0.15 * scale);
      const exact = await logitsOverCalls(path, { threads: 2, numerics: 'exact' }, [TOKENS.length]);
      expect(Buffer.from(exact.buffer).equals(Buffer.from(one.buffer)), 'fast differs from exact').toBe(false);
    });
  }

  it('is the default, reported by info(), and rejects unknown numerics', async () => {
    const path = writeModel({ weightType: 'Q8_0' });
    const api = modelApi();
    const byDefault = await api.modelLoad(path);
    expect(byDefault.info().numerics).toBe('fast');
    byDefault.dispose();
    const exact = await api.modelLoad(path, { numerics: 'exact' });
    expect(exact.info().numerics).toBe('exact');
    exact.dispose();
    await expect(api.modelLoad(path, { numerics: 'fastest' as 'fast' })).rejects.toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
