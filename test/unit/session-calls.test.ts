// Session over the fake binding: how prompts are cut into model calls (full attention, InfLLM
// chunk alignment, splitLast), pending tokens between calls, BOS handling of text prompts,
// context capacity, logprobs/top logits against a float64 reference, retrieval traces with block
// ranges, seeds, streams and option validation.
import { describe, expect, it } from 'vitest';
import type { ModelCallEvent, TokenEvent } from '../../engine/session/types.js';
import { N_VOCAB, wordId } from '../helpers/fakeModelBinding.js';
import { fakeModel, scripted } from '../helpers/fakeSession.js';

const w = wordId;
const BOS = 1;
const range = (n: number, from = 100) => Array.from({ length: n }, (_, i) => from + (i % 10));

describe('prefill calls', () => {
  it('full attention: calls of maxCallTokens, sampling only on the last, then one token per call', async () => {
    const { model, binding } = await fakeModel();
    const session = model.createSession({ maxCallTokens: 4 });
    await session.generate(range(10), { maxTokens: 3 });
    expect(binding.evals.map((e) => e.tokens.length)).toEqual([4, 4, 2, 1, 1]);
    expect(binding.evals.map((e) => e.options.sample !== undefined)).toEqual([false, false, true, true, true]);
    expect(binding.evals.flatMap((e) => e.tokens).slice(0, 10)).toEqual(range(10));
    const progress: number[] = [];
    await model.createSession({ maxCallTokens: 4 }).generate(range(10), { maxTokens: 2, onProgress: (f) => progress.push(f) });
    expect(progress).toEqual([0.4, 0.8, 1]);
  });

  it('InfLLM: calls are multiples of the chunk; splitLast feeds the last prompt token alone', async () => {
    const infllm = { nInit: 2, nLocal: 8, blockSize: 2, topk: 2, reprTopk: 1, chunk: 3, cache: 4 };
    const { model, binding } = await fakeModel();
    await model.createSession({ attention: 'infllm', infllm, maxCallTokens: 8 }).generate(range(14), { maxTokens: 1 });
    expect(binding.evals.map((e) => e.tokens.length)).toEqual([6, 6, 2]);
    binding.evals.length = 0;
    await model.createSession({ attention: 'infllm', infllm, maxCallTokens: 8 }).generate(range(14), { maxTokens: 1, splitLast: true });
    expect(binding.evals.map((e) => e.tokens.length)).toEqual([6, 6, 1, 1]);
    binding.evals.length = 0;
    // maxCallTokens below one chunk still gives whole chunks.
    await model.createSession({ attention: 'infllm', infllm, maxCallTokens: 1 }).generate(range(7), { maxTokens: 1 });
    expect(binding.evals.map((e) => e.tokens.length)).toEqual([3, 3, 1]);
    expect(binding.sessions.at(-1)?.options).toEqual({ attention: 'infllm', infllm: { ...infllm, compat: false, kvType: 'f16' } });
  });

  it('prefillCallTokens cuts exact calls; onModelCall reports every call with its range, logits and records', async () => {
    const infllm = { nInit: 2, nLocal: 8, blockSize: 2, topk: 2, reprTopk: 1, chunk: 3, cache: 4 };
    const { model, binding } = await fakeModel();
    const session = model.createSession({ attention: 'infllm', infllm, maxCallTokens: 8 });
    const calls: ModelCallEvent[] = [];
    const r = await session.generate(range(14), {
      maxTokens: 3,
      splitLast: true,
      prefillCallTokens: 5,
      callLogits: true,
      trace: true,
      onModelCall: (c) => calls.push(c),
    });
    expect(binding.evals.map((e) => e.tokens.length)).toEqual([5, 5, 3, 1, 1, 1]);
    expect(binding.evals.map((e) => e.options.logits)).toEqual(['last', 'last', 'last', 'last', 'last', 'last']);
    expect(calls.map((c) => [c.index, c.kind, c.begin, c.end])).toEqual([
      [0, 'prefill', 0, 5],
      [1, 'prefill', 5, 10],
      [2, 'prefill', 10, 13],
      [3, 'prefill', 13, 14],
      [4, 'decode', 14, 15],
      [5, 'decode', 15, 16],
    ]);
    expect(calls.every((c) => c.logits?.length === N_VOCAB)).toBe(true);
    // The fake reports one record per layer and call; block ranges follow nInit + id * blockSize.
    expect(calls.every((c) => c.retrieval!.length === binding.nLayer)).toBe(true);
    expect(calls[3].retrieval![0]).toMatchObject({ qStart: 13, qLen: 1, initLen: 2, tailLen: 0 });
    expect(r.ids).toHaveLength(3);
    binding.evals.length = 0;
    await model.createSession().generate(range(6), { maxTokens: 1, onModelCall: () => {} });
    expect(binding.evals.map((e) => e.options.logits)).toEqual(['none']); // no logits unless callLogits
    expect(() => session.generate(range(3), { prefillCallTokens: 0 })).toThrow(/prefillCallTokens/);
  });

  it('leaves the last sampled token pending and feeds it first next time', async () => {
    const { model, binding } = await fakeModel({ next: () => w('b') });
    const session = model.createSession();
    const r1 = await session.generate([BOS, w('▁a')], { maxTokens: 3 });
    expect(r1.ids).toEqual([w('b'), w('b'), w('b')]);
    expect(session.stats()).toMatchObject({ nPast: 4, pending: [w('b')] });
    await session.generate([w('▁the')], { maxTokens: 1 });
    expect(binding.evals.at(-1)?.tokens).toEqual([w('b'), w('▁the')]);
    expect(binding.sessions[0].history).toEqual([BOS, w('▁a'), w('b'), w('b'), w('b'), w('▁the')]);
    expect(session.stats()).toMatchObject({ nPast: 6, pending: [w('b')] });
  });

  it('text prompts get BOS only when the session is empty', async () => {
    const { model, binding } = await fakeModel();
    const session = model.createSession();
    await session.generate('Hello world', { maxTokens: 1 });
    expect(binding.evals[0].tokens).toEqual([BOS, w('▁Hello'), w('▁world')]);
    await session.generate('the end', { maxTokens: 1 });
    expect(binding.evals.at(-1)?.tokens).toEqual([w('▁a'), w('▁the'), w('▁end')]);
    // A template that prints the BOS text does not get a second BOS.
    await session.clear();
    await session.generate('<s>Hello', { maxTokens: 1 });
    expect(binding.evals.at(-1)?.tokens).toEqual([BOS, w('▁Hello')]);
    // Queued text prompts are tokenized when they run: only the first gets BOS.
    const fresh = model.createSession();
    binding.evals.length = 0;
    await Promise.all([fresh.generate('Hello', { maxTokens: 1 }), fresh.generate('Hello', { maxTokens: 1 })]);
    expect(binding.evals.map((e) => e.tokens)).toEqual([[BOS, w('▁Hello')], [w('▁a'), w('▁Hello')]]);
  });

  it('full attention stops with "length" when the context is full, and refuses prompts that do not fit', async () => {
    const { model } = await fakeModel();
    const session = model.createSession({ nCtx: 8 });
    const r = await session.generate(range(6), { maxTokens: 10 });
    expect(r.ids).toHaveLength(3);
    expect(r.stopReason).toBe('length');
    expect(session.stats()).toMatchObject({ nPast: 8, pending: [w('▁a')] });
    const other = model.createSession({ nCtx: 8 });
    await expect(other.generate(range(9))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(other.stats().nPast).toBe(0);
  });

  it('evaluate feeds without sampling, returns the last logits and reports progress up to 1', async () => {
    const { model, binding } = await fakeModel();
    const session = model.createSession({ maxCallTokens: 3 });
    const progress: number[] = [];
    const r = await session.evaluate(range(7), { onProgress: (f) => progress.push(f) });
    expect(progress).toEqual([3 / 7, 6 / 7, 1]);
    expect(r.nPast).toBe(7);
    expect(r.logits).toHaveLength(N_VOCAB);
    expect(Array.from(r.logits!)).toEqual(Array.from(binding.logitsAfter(range(7))));
    expect(binding.evals.every((e) => e.options.sample === undefined)).toBe(true);
  });
});

describe('token details', () => {
  it('logprob and top logits match a float64 reference of the fake logits', async () => {
    const script = [w('▁the'), w('▁end')];
    const { model } = await fakeModel({ next: scripted(1, script) });
    const events: TokenEvent[] = [];
    await model.createSession().generate([BOS], { maxTokens: 2, logprobs: true, topLogits: 3, onToken: (e) => events.push(e) });
    // Fake logits: 5 for the chosen token, -(v mod 7)/10 for every other v.
    for (const e of events) {
      let sum = 0;
      for (let v = 0; v < N_VOCAB; v++) sum += Math.exp(v === e.id ? 5 : -(v % 7) / 10);
      // Float32 logits are exact here (5 and k/10 rounded once); 1e-6 covers float64 summation order.
      expect(e.logprob).toBeCloseTo(5 - Math.log(sum), 6);
      // Runners-up: logit 0 for ids divisible by 7, ties broken by the lower id.
      expect(e.topLogits?.map((t) => t.id)).toEqual([e.id, ...[0, 7, 14].filter((v) => v !== e.id).slice(0, 2)]);
      expect(e.topLogits?.[0].logit).toBe(5);
    }
  });

  it('InfLLM trace: each token carries one record per layer with block token ranges; full attention none', async () => {
    const infllm = { nInit: 2, nLocal: 8, blockSize: 2, topk: 2, reprTopk: 1, chunk: 4, cache: 4 };
    const { model } = await fakeModel({ nLayer: 3 });
    const events: TokenEvent[] = [];
    const r = await model
      .createSession({ attention: 'infllm', infllm })
      .generate(range(12), { maxTokens: 2, trace: true, onToken: (e) => events.push(e) });
    expect(r.prefillRetrieval?.length).toBe(3 * 1); // one call of 12 → the fake makes one record per layer
    for (const e of events) {
      expect(e.retrieval?.map((x) => x.layer)).toEqual([0, 1, 2]);
      for (const rec of e.retrieval ?? []) {
        expect(rec.blocks.map((b) => b.id)).toEqual([0, 1]);
        expect(rec.blocks.map((b) => [b.begin, b.end])).toEqual([[2, 4], [4, 6]]);
      }
    }
    expect(events[1].retrieval?.[0]).toMatchObject({ qStart: 12, qLen: 1, nBlocks: 5, scored: true });
    expect(events[1].retrieval?.[0].blocks[0].score).toBeCloseTo(0.5, 6);
    const full: TokenEvent[] = [];
    const rf = await model.createSession().generate(range(12), { maxTokens: 2, trace: true, onToken: (e) => full.push(e) });
    expect(rf.prefillRetrieval).toBeUndefined();
    expect(full.every((e) => e.retrieval === undefined)).toBe(true);
  });
});

describe('sampling and validation', () => {
  it('a seed fixes every step; steps get different derived seeds; greedy by default', async () => {
    const { model, binding } = await fakeModel();
    const a = await model.createSession().generate([BOS], { maxTokens: 6, sampling: { temperature: 0.8, seed: 42 } });
    const seedsA = binding.samples.splice(0).map((p) => p.seed);
    const b = await model.createSession().generate([BOS], { maxTokens: 6, sampling: { temperature: 0.8, seed: 42 } });
    const seedsB = binding.samples.splice(0).map((p) => p.seed);
    const c = await model.createSession().generate([BOS], { maxTokens: 6, sampling: { temperature: 0.8, seed: 43 } });
    const seedsC = binding.samples.splice(0).map((p) => p.seed);
    expect(b.ids).toEqual(a.ids);
    expect(seedsB).toEqual(seedsA);
    expect(new Set(seedsA).size).toBe(6);
    expect(seedsC).not.toEqual(seedsA);
    expect(c.ids).not.toEqual(a.ids);
    await model.createSession().generate([BOS], { maxTokens: 1 });
    expect(binding.samples[0]).toMatchObject({ temperature: 0, topK: 0, topP: 1, minP: 0, repeatPenalty: 1, penaltyLastN: 64 });
  });

  it('bad options and prompts throw INVALID_ARGUMENT naming the problem', async () => {
    const { model } = await fakeModel();
    const s = model.createSession();
    const bad: [unknown, RegExp][] = [
      [{ maxTokens: -1 }, /maxTokens/],
      [{ maxTokens: 1.5 }, /maxTokens/],
      [{ sampling: { temperature: -1 } }, /temperature/],
      [{ sampling: { topP: 0 } }, /topP/],
      [{ sampling: { minP: 2 } }, /minP/],
      [{ sampling: { topK: 2.5 } }, /topK/],
      [{ sampling: { seed: -3 } }, /seed/],
      [{ sampling: { temprature: 1 } }, /temprature/],
      [{ topLogits: -1 }, /topLogits/],
    ];
    for (const [options, message] of bad) {
      expect(() => s.generate([BOS], options as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) }));
    }
    expect(() => s.generate([BOS, N_VOCAB])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => s.generate([BOS, 1.5])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(s.generate([])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/nothing to evaluate/) });
    expect(() => model.createSession({ attention: 'infllm', infllm: { chunk: 5000 } })).toThrow(/chunk \(5000\) must be <= nLocal/);
    expect(() => model.createSession({ attention: 'full', infllm: {} })).toThrow(/attention: 'infllm'/);
    expect(() => model.createSession({ nCtx: 0 })).toThrow(/nCtx/);
  });
});

describe('generateStream', () => {
  it('yields the events in order and resolves the same result', async () => {
    const script = [w('▁Hello'), w('▁world'), w('!'), 2];
    const { model } = await fakeModel({ next: scripted(1, script) });
    const stream = model.createSession().generateStream([BOS], { maxTokens: 10 });
    const seen: TokenEvent[] = [];
    for await (const e of stream) seen.push(e);
    const r = await stream.result;
    expect(seen.map((e) => e.id)).toEqual(script);
    expect(r.ids).toEqual(script);
    expect(seen.map((e) => e.text).join('')).toBe(r.text);
  });

  it('leaving the loop early stops the generation with stopReason "abort"', async () => {
    const { model, binding } = await fakeModel();
    const session = model.createSession();
    const stream = session.generateStream([BOS], { maxTokens: 1000 });
    let n = 0;
    for await (const _ of stream) if (++n === 3) break;
    const r = await stream.result;
    expect(r.stopReason).toBe('abort');
    expect(r.ids.length).toBeGreaterThanOrEqual(3);
    expect(r.ids.length).toBeLessThan(1000);
    // The session is usable afterwards and holds prompt + generated ids.
    const st = session.stats();
    expect(st.nPast + st.pending.length).toBe(1 + r.ids.length);
    expect(binding.sessions[0].history.length).toBe(st.nPast);
  });
});
