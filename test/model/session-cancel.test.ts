/**
 * Cancellation at the binding level: an abort that fires during a layer (set synchronously from
 * the evalTensors watcher, while the native compute waits) stops the call before the next layer
 * starts (an abort at a layer's start stops it after its attention), rejects CANCELLED, and leaves the session exactly as before the call: the next eval is
 * bit-identical to a fresh session that never saw the cancelled call. Full cache and InfLLM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeModel, NativeSession, NativeSessionOptions } from '../../engine/binding/ModelBinding.js';
import { loadModel, modelApi, readGolden } from '../helpers/golden.js';
import { sharedPath } from '../helpers/shared.js';

const golden = readGolden(sharedPath('golden', 'stories260K.golden.json'));
const LONG = Int32Array.from(golden.cases.find((c) => c.id === 'long_story__bos')!.tokens); // 364 tokens
const N_LAYER = 5;

let model: NativeModel;
beforeAll(async () => {
  model = await loadModel(sharedPath('models', 'stories260K.gguf'));
});
afterAll(() => model.dispose());

const bytesEqual = (a?: Float32Array, b?: Float32Array): boolean =>
  !!a && !!b && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Runs `tokens` on `s`, aborting when the tensor `at` of layer `layer` appears; returns the (name, layer) seen. */
async function cancelAt(s: NativeSession, tokens: Int32Array, at: string, layer: number): Promise<[string, number][]> {
  const api = modelApi();
  const abort = api.createAbort();
  const seen: [string, number][] = [];
  const onTensor = (name: string, l: number): void => {
    seen.push([name, l]);
    if (name === at && l === layer) abort.abort();
  };
  await expect(api._testing.model.evalTensors(s, tokens, { logits: 'last' }, { names: ['attn_norm', 'l_out', 'result_norm'], onTensor }, abort))
    .rejects.toThrow(expect.objectContaining({ code: 'CANCELLED' }));
  return seen;
}

const sessions: [string, NativeSessionOptions][] = [
  ['full', { attention: 'full' }],
  // small InfLLM settings so that the 364-token prefill forms blocks and retrieves
  ['infllm', { attention: 'infllm', infllm: { nInit: 4, nLocal: 64, blockSize: 16, topk: 2, reprTopk: 2, chunk: 32, cache: 4 } }],
];

describe.each(sessions)('cancellation (%s attention)', (_, opts) => {
  it('mid-prefill: no tensor of a later layer is computed; the session is unchanged', async () => {
    for (const [at, layer] of [['attn_norm', 2], ['l_out', 0], ['l_out', N_LAYER - 1]] as [string, number][]) {
      const s = model.createSession(opts);
      await s.eval(LONG.subarray(0, 40), { logits: 'none' });
      const seen = await cancelAt(s, LONG.subarray(40), at, layer);
      // "within one layer": the layer in progress may finish; the next one never starts.
      expect(seen.filter(([, l]) => l > layer)).toEqual([]);
      expect(seen.some(([n]) => n === 'result_norm')).toBe(false);
      expect(seen).toContainEqual([at, layer]);
      // An abort at the start of a layer is seen after that layer's attention (before its FFN).
      if (at === 'attn_norm') expect(seen).not.toContainEqual(['l_out', layer]);
      expect(s.nPast()).toBe(40);
      const after = await s.eval(LONG.subarray(40), { logits: 'all' });
      const fresh = model.createSession(opts);
      await fresh.eval(LONG.subarray(0, 40), { logits: 'none' });
      const want = await fresh.eval(LONG.subarray(40), { logits: 'all' });
      expect(bytesEqual(after.logits, want.logits)).toBe(true);
      expect(s.stats()).toEqual(fresh.stats());
      s.dispose();
      fresh.dispose();
    }
  });

  it('mid-decode: cancelled token, then the same token gives the fresh run\'s logits', async () => {
    const s = model.createSession(opts);
    await s.eval(LONG.subarray(0, 200), { logits: 'none' });
    for (const layer of [0, 3]) {
      const seen = await cancelAt(s, Int32Array.of(LONG[200]), 'attn_norm', layer);
      expect(seen.filter(([, l]) => l > layer)).toEqual([]);
      expect(s.nPast()).toBe(200);
    }
    const got = await s.eval(Int32Array.of(LONG[200]), { logits: 'last' });
    const fresh = model.createSession(opts);
    await fresh.eval(LONG.subarray(0, 200), { logits: 'none' });
    const want = await fresh.eval(Int32Array.of(LONG[200]), { logits: 'last' });
    expect(bytesEqual(got.logits, want.logits)).toBe(true);
    s.dispose();
    fresh.dispose();
  });

  it('an abort that already fired cancels before any layer', async () => {
    const api = modelApi();
    const s = model.createSession(opts);
    const abort = api.createAbort();
    abort.abort();
    const seen: string[] = [];
    await expect(api._testing.model.evalTensors(s, LONG.subarray(0, 10), {}, { onTensor: (n) => seen.push(n) }, abort)).rejects.toThrow(
      expect.objectContaining({ code: 'CANCELLED' }),
    );
    await expect(s.eval(LONG.subarray(0, 10), {}, abort)).rejects.toThrow(expect.objectContaining({ code: 'CANCELLED' }));
    expect(seen.filter((n) => n !== 'inp_embd')).toEqual([]);
    expect(s.nPast()).toBe(0);
    s.dispose();
  });
});
