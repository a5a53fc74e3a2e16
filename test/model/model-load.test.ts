/**
 * modelLoad: hyperparameter and info reporting, the documented fingerprint (recomputed here with
 * node:crypto), load progress, cancellation, and NativeModel.dispose().
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import { makeTempDir } from '../helpers/gguf.js';
import { loadModel, modelApi } from '../helpers/golden.js';
import { sharedPath } from '../helpers/shared.js';
import { tinyModelWriter } from '../helpers/tinyModel.js';

const tmp = makeTempDir('model-load');
afterAll(() => tmp.cleanup());
const file = tinyModelWriter(tmp.dir);

describe('modelLoad info, fingerprint, progress, cancellation', () => {
  it('reports hyperparameters (defaults: head_count_kv = head_count, rope base 10000, vocab from the token list)', async () => {
    const m = await loadModel(sharedPath('models', 'llama-2-tiny-random.gguf'));
    const info = m.info();
    expect(info).toMatchObject({
      architecture: 'llama', nVocab: 32000, nCtxTrain: 4096, nEmbd: 8, nLayer: 1, nHead: 2, nHeadKv: 2, headDim: 4, nFf: 32,
      ropeFreqBase: 10000, ropeNeox: false, tiedEmbeddings: false, threads: 2, tensorTypes: { F16: 9, F32: 3 },
    });
    expect(info.rmsEps).toBeCloseTo(1e-5, 10);
    // F16: token_embd + output [8, 32000], q/k/v/o [8, 8], gate/up [8, 32], down [32, 8]; F32: 3 norms of 8
    expect(info.weightBytes).toBe(2 * (2 * 32000 * 8 + 4 * 8 * 8 + 3 * 8 * 32) + 3 * 8 * 4);
    m.dispose();
    const tied = await loadModel(sharedPath('models', 'synthetic', 'llama-tied.f32.gguf'));
    expect(tied.info().tiedEmbeddings).toBe(true);
    tied.dispose();
  });

  it('fingerprint: sha256 of tag, size, header and sampled data windows (recomputed independently)', async () => {
    const expected = (path: string): string => {
      const bytes = readFileSync(path);
      const dataOffset = loadBinding().ggufReadSync(path, { arrays: 'summary' }).dataOffset;
      const h = createHash('sha256');
      h.update(Buffer.from('infllm-fingerprint-v1\0', 'latin1'));
      const size = Buffer.alloc(8);
      size.writeBigUInt64LE(BigInt(bytes.length));
      h.update(size);
      h.update(bytes.subarray(0, dataOffset));
      const dataSize = bytes.length - dataOffset;
      const W = 64 * 1024, N = 16;
      if (dataSize <= N * W) h.update(bytes.subarray(dataOffset));
      else for (let i = 0; i < N; i++) {
        const at = dataOffset + Math.floor((i * (dataSize - W)) / (N - 1));
        h.update(bytes.subarray(at, at + W));
      }
      return h.digest('hex');
    };
    const small = file({}); // data section < 1 MiB: hashed whole
    for (const path of [small, sharedPath('models', 'stories260K.gguf'), sharedPath('models', 'synthetic', 'llama.f32.gguf')]) {
      const m = await loadModel(path);
      expect(m.info().fingerprint).toBe(expected(path));
      m.dispose();
    }
    // A one-byte change inside a sampled window changes it.
    const bytes = readFileSync(small);
    bytes[bytes.length - 100] ^= 1;
    const changed = join(tmp.dir, 'changed.gguf');
    writeFileSync(changed, bytes);
    const [a, b] = await Promise.all([loadModel(small), loadModel(changed)]);
    expect(a.info().fingerprint).not.toBe(b.info().fingerprint);
    a.dispose();
    b.dispose();
  });

  it('progress is strictly increasing and ends with 1 before the promise resolves', async () => {
    const seen: number[] = [];
    const m = await modelApi().modelLoad(sharedPath('models', 'synthetic', 'llama.f32.gguf'), { threads: 1, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen[seen.length - 1]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    expect(seen.every((p) => p >= 0 && p <= 1)).toBe(true);
    m.dispose();
  });

  it('an aborted load rejects CANCELLED and reports no final progress', async () => {
    const api = modelApi();
    const abort = api.createAbort();
    expect(abort.aborted).toBe(false);
    abort.abort();
    expect(abort.aborted).toBe(true);
    const seen: number[] = [];
    await expect(api.modelLoad(sharedPath('models', 'stories260K.gguf'), { onProgress: (p) => seen.push(p) }, abort)).rejects.toThrow(
      expect.objectContaining({ code: 'CANCELLED' }),
    );
    expect(seen).not.toContain(1);
  });

  it('dispose: later calls throw DISPOSED; sessions keep the model alive', async () => {
    const m = await loadModel(sharedPath('models', 'stories260K.gguf'));
    const s = m.createSession({ attention: 'full' });
    m.dispose();
    m.dispose(); // idempotent
    expect(() => m.info()).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    expect(() => m.createSession({ attention: 'full' })).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    const r = await s.eval(Int32Array.of(1, 403), { sample: { temperature: 0 } });
    expect(r.token).toBeGreaterThanOrEqual(0);
    s.dispose();
  });
});
