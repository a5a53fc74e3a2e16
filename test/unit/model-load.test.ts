// Model.load over the fake binding: progress (monotonic, ends at 1), cancellation before and
// during loading (reason rethrown unchanged, listener removed, partial model freed), errors, and
// the plain-data info and chat template of the loaded model.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/errors.js';
import { Model } from '../../engine/model/Model.js';
import { FAKE_PATH, FakeBinding, N_VOCAB } from '../helpers/fakeModelBinding.js';

describe('Model.load', () => {
  it('reports progress increasing and ending at exactly 1', async () => {
    for (const [native, expected] of [
      [[0, 0.3, 0.2, 0.3, 0.9], [0, 0.3, 0.9, 1]],
      [[0, 0.5, 1], [0, 0.5, 1]],
      [[], [1]],
      [[-0.5, 2], [0, 1]],
    ]) {
      const seen: number[] = [];
      const model = await Model.load(FAKE_PATH, { binding: new FakeBinding({ loadProgress: native }), onProgress: (f) => seen.push(f) });
      expect(seen).toEqual(expected);
      await model.dispose();
    }
  });

  it('an already-aborted signal throws its reason before any native work', async () => {
    const binding = new FakeBinding();
    const reason = new Error('no');
    let reads = 0;
    const counting = Object.assign(Object.create(binding), { ggufRead: (p: string) => (reads++, binding.ggufRead(p)) });
    await expect(Model.load(FAKE_PATH, { binding: counting, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(reads).toBe(0);
  });

  it('aborting during the load rejects with the reason, removes the listener and leaves nothing allocated', async () => {
    // Abort in the middle (native load stops), and at the very end (load completes, model freed).
    for (const at of [0.5, 1]) {
      const binding = new FakeBinding({ loadProgress: [0, 0.5, 1] });
      const controller = new AbortController();
      const reason = new Error(`abort at ${at}`);
      const err = await Model.load(FAKE_PATH, { binding, signal: controller.signal, onProgress: (f) => f === at && controller.abort(reason) }).catch((e: unknown) => e);
      expect(err).toBe(reason);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      // A model that finished loading is disposed; one that never finished was never made.
      expect(binding.modelsDisposed).toEqual(at === 1 ? [0] : []);
    }
  });

  it('an exception in onProgress stops the load and is rethrown', async () => {
    const binding = new FakeBinding({ loadProgress: [0, 0.5, 1] });
    const oops = new Error('progress bar broke');
    const err = await Model.load(FAKE_PATH, { binding, onProgress: (f) => { if (f === 0.5) throw oops; } }).catch((e: unknown) => e);
    expect(err).toBe(oops);
    expect(binding.modelsDisposed).toEqual([]);
  });

  it('bad input gives typed errors', async () => {
    const binding = new FakeBinding();
    await expect(Model.load('/nope.gguf', { binding })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(Model.load('/nope.gguf', { binding })).rejects.toBeInstanceOf(EngineError);
    await expect(Model.load(FAKE_PATH, { binding, threads: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/threads/) });
    await expect(Model.load(FAKE_PATH, { binding, numerics: 'fastest' as 'fast' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/numerics/) });
  });

  it('passes the numerics to the native load and reports them (default fast)', async () => {
    const byDefault = await Model.load(FAKE_PATH, { binding: new FakeBinding() });
    expect(byDefault.info.numerics).toBe('fast');
    await byDefault.dispose();
    const exact = await Model.load(FAKE_PATH, { binding: new FakeBinding(), numerics: 'exact' });
    expect(exact.info.numerics).toBe('exact');
    await exact.dispose();
  });

  it('describes the model as plain data and renders chats with the fallback template', async () => {
    const model = await Model.load(FAKE_PATH, { binding: new FakeBinding(), threads: 3 });
    expect(JSON.parse(JSON.stringify(model.info))).toEqual(model.info);
    expect(model.info).toMatchObject({
      path: FAKE_PATH,
      name: 'fake',
      architecture: 'llama',
      nVocab: N_VOCAB,
      nLayer: 4,
      nCtxTrain: 64,
      threads: 3,
      fingerprint: 'f'.repeat(16),
      hasChatTemplate: false,
      tokenizer: { kind: 'spm', bos: 1, eos: 2, addBos: true },
    });
    expect(model.chatTemplate.template).toBeUndefined();
    expect(model.chatTemplate.fallback).toBe('llama2');
    expect(model.chatTemplate.render([{ role: 'user', content: 'hi' }])).toBe('<s>[INST] hi [/INST]');
    expect(model.tokenizer.encode('Hello world')).toEqual([1, model.tokenizer.tokenId('▁Hello'), model.tokenizer.tokenId('▁world')]);
    await model[Symbol.asyncDispose]();
    expect(model.disposed).toBe(true);
  });
});
