/**
 * Fast numerics through the whole forward pass on crafted models of every quantized type: the
 * logits are bitwise independent of how a sequence is split into calls and of the thread count
 * (the integer kernels apply float scales in one fixed order), fast is the default and is
 * reported, and it stays close to a float64 forward pass on the exact weights.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NativeModelLoadOptions } from '../../engine/binding/ModelBinding.js';
import { type GgmlTypeName } from '../helpers/ggmlReference.js';
import { makeTempDir } from '../helpers/gguf.js';
import { maxAbsDiff, modelApi, row } from '../helpers/golden.js';
import { referenceForward } from '../helpers/forwardReference.js';
import { buildTinyModel } from '../helpers/tinyModel.js';

const tmp = makeTempDir('fwd-fast');
afterAll(() => tmp.cleanup());

const TOKENS = [3, 17, 5, 5, 30, 1, 22, 9, 14, 2, 38, 7];
const QUANT: GgmlTypeName[] = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K'];

/** Logits of TOKENS fed in calls of the given lengths, rows concatenated. */
async function logits(path: string, options: NativeModelLoadOptions, splits: number[]): Promise<Float32Array> {
  const model = await modelApi().modelLoad(path, options);
  const s = model.createSession({ attention: 'full' });
  const rows: Float32Array[] = [];
  let at = 0;
  for (const n of splits) {
    const r = await s.eval(Int32Array.from(TOKENS.slice(at, at + n)), { logits: 'all' });
    rows.push(r.logits as Float32Array);
    at += n;
  }
  model.dispose();
  return Float32Array.from(rows.flatMap((x) => Array.from(x)));
}

describe('forward pass with fast numerics', () => {
  for (const type of QUANT) {
    it(`${type}: bit-identical over call splits and thread counts, close to float64`, async () => {
      // 256-wide rows: one K-quant super-block per row (ffn_down: n_ff 512, two).
      const m = buildTinyModel({ weightType: type, nEmbd: 256, nFf: 512, nHead: 4, nHeadKv: 2, nVocab: 64, seed: 11 });
      const path = join(tmp.dir, `${type}.gguf`);
      writeFileSync(path, m.bytes);
      const one = await logits(path, { threads: 1, numerics: 'fast' }, [TOKENS.length]);
      for (const [threads, splits] of [[2, [TOKENS.length]], [1, [5, 1, 6]], [2, Array(TOKENS.length).fill(1)]] as [number, number[]][]) {
        const other = await logits(path, { threads, numerics: 'fast' }, splits);
        expect(Buffer.from(other.buffer).equals(Buffer.from(one.buffer)), `${threads} threads, splits ${splits}`).toBe(true);
      }
      // Against exact math: 8-bit activations err by up to half a quantization step (amax / 254
      // of each 32- or 256-element block), an RMS error of ~0.8% of the block's RMS (amax is ~3.5
      // RMS), and so does each matmul output. About 15 matmuls in sequence add up to ~3% RMS, and
      // the largest of 768 logit errors is ~3x that: ~10% of the logit scale (measured 1.4-5.5%).
      // 15% still fails for a wrong scale, type or activation format (errors of order 100%).
      const want = referenceForward(m, TOKENS);
      let diff = 0, scale = 0;
      want.forEach((w, t) => {
        diff = Math.max(diff, maxAbsDiff(row(one, t, m.spec.nVocab), w));
        for (const v of w) scale = Math.max(scale, Math.abs(v));
      });
      expect(scale).toBeGreaterThan(0.1);
      expect(diff).toBeLessThan(0.15 * scale);
      const exact = await logits(path, { threads: 2, numerics: 'exact' }, [TOKENS.length]);
      expect(Buffer.from(exact.buffer).equals(Buffer.from(one.buffer)), 'fast differs from exact').toBe(false);
    });
  }

  it('is the default, reported by info(), and rejects unknown numerics', async () => {
    const path = join(tmp.dir, 'default.gguf');
    writeFileSync(path, buildTinyModel({ weightType: 'Q8_0' }).bytes);
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
