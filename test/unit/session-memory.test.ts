// Session.save / Session.verify / Model.openSession over the fake binding: pending tokens are fed
// before saving (so the memory holds every token), saves are queued behind running work, the
// native options carry the InfLLM settings (kvType, disk storage) and the verify mode, and
// misuse gives typed errors.
import { describe, expect, it } from 'vitest';
import { DisposedError, EngineError } from '../../engine/errors.js';
import { fakeModel } from '../helpers/fakeSession.js';

const prompt = Array.from({ length: 10 }, (_, i) => 260 + i);
const rule = (h: readonly number[]) => 259 + (h.reduce((a, b) => a * 31 + b, 7) % 15);
const INFLLM = { attention: 'infllm' as const, infllm: { nInit: 2, nLocal: 8, blockSize: 4, topk: 2, reprTopk: 1, chunk: 4, cache: 2 } };

describe('saved memories through the engine API', () => {
  it('save feeds the pending token first, waits for running work, and openSession continues from every token', async () => {
    const { model, binding } = await fakeModel({ next: rule });
    const s = model.createSession(INFLLM);
    const gen = s.generate(prompt, { maxTokens: 3 });
    const saved = s.save('/mem/a'); // queued behind the generation
    const r = await gen;
    expect(s.stats().pending).toEqual([r.ids[2]]);
    const info = await saved;
    expect(s.stats().pending).toEqual([]);
    const last = binding.evals[binding.evals.length - 1];
    expect([last.tokens, last.options.logits]).toEqual([[r.ids[2]], 'none']); // the pending token, in a call of its own
    expect(binding.saved.get('/mem/a')!.history).toEqual([...prompt, ...r.ids]);
    expect(info).toMatchObject({ dir: '/mem/a', nTokens: prompt.length + 3 });

    const o = await model.openSession('/mem/a', { infllm: { ...INFLLM.infllm, kvType: 'q8' }, storageDir: '/scratch', verify: 'full' });
    expect(o.stats()).toMatchObject({ nPast: prompt.length + 3, pending: [] });
    expect(binding.opened[0]).toEqual({
      attention: 'infllm',
      infllm: { ...INFLLM.infllm, compat: false, kvType: 'q8', storage: 'disk', storageDir: '/scratch' },
      verify: 'full',
    });
    // continuing the opened session equals continuing the saved one
    const [a, b] = await Promise.all([s.generate([5], { maxTokens: 4 }), o.generate([5], { maxTokens: 4 })]);
    expect(a.ids).toEqual(b.ids);
    expect(await o.verify()).toEqual({ blocks: 0, bytes: 0 });
    await model.dispose();
  });

  it('refusals: full attention, bad options, unknown folder, disposed objects', async () => {
    const { model } = await fakeModel({ next: rule });
    const full = model.createSession();
    expect(() => full.save('/x')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/only InfLLM/) }));
    expect(() => full.verify()).toThrow(EngineError);
    expect(() => model.createSession({ storageDir: '/s' })).toThrow(/storageDir needs attention: 'infllm'/);
    expect(() => model.createSession({ ...INFLLM, storageDir: '' })).toThrow(/storageDir must be a non-empty/);
    await expect(model.openSession('/nope', INFLLM)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(model.openSession('/nope', { ...INFLLM, verify: 'some' as 'lazy' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(model.openSession('/nope', { attention: 'full' as 'infllm' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const s = model.createSession(INFLLM);
    await s.dispose();
    expect(() => s.save('/x')).toThrow(DisposedError);
    await model.dispose();
    await expect(model.openSession('/mem', INFLLM)).rejects.toBeInstanceOf(DisposedError);
  });
});
