// The engine API on the real addon with stories260K: greedy generation equals llama.cpp's golden
// continuations, seeded sampling is reproducible, real cancellation (native abort flag) mid-prefill
// and mid-decode leaves a state that continues exactly like a fresh run, and dispose/misuse.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisposedError, Model, type Session, type TokenEvent } from '../../engine/index.js';
import { decodeF32, sharedPath } from '../helpers/shared.js';

interface GoldenCase {
  id: string;
  prompt: string;
  tokens: number[];
  logits_last: { base64: string };
  greedy?: { tokens: number[]; text: string };
}
const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K.golden.json'), 'utf8')).cases as GoldenCase[];
const byId = (id: string) => golden.find((c) => c.id === id) as GoldenCase;
const GREEDY = { maxTokens: 32, stopOnEog: false } as const;

let model: Model;
beforeAll(async () => {
  model = await Model.load(sharedPath('models', 'stories260K.gguf'), { threads: 1 });
});
afterAll(async () => {
  await model?.dispose();
});

describe('generate on stories260K', () => {
  it('greedy continuations equal the golden tokens and text (ids and text prompts, one call or many)', async () => {
    for (const id of ['once_upon__bos', 'lily_tom__nobos', 'punct_bytes__bos', 'empty__bos', 'long_story__bos']) {
      const c = byId(id);
      const r = await model.createSession().generate(c.tokens, GREEDY);
      expect(r.ids, id).toEqual(c.greedy?.tokens);
      expect(r.text, id).toBe(c.greedy?.text);
      expect(r.stopReason).toBe('length');
    }
    // Text prompt: tokenized with BOS, as the golden __bos cases.
    const once = byId('once_upon__bos');
    expect((await model.createSession().generate(once.prompt, GREEDY)).ids).toEqual(once.greedy?.tokens);
    // The 364-token prompt fed in calls of 100 tokens gives the same continuation.
    const long = byId('long_story__bos');
    expect((await model.createSession({ maxCallTokens: 100 }).generate(long.tokens, GREEDY)).ids).toEqual(long.greedy?.tokens);
  });

  it('logprob and top logits of the first token agree with the golden logits', async () => {
    const c = byId('lily_tom__bos');
    const ref = decodeF32(c.logits_last.base64);
    let first: TokenEvent | undefined;
    await model.createSession().generate(c.tokens, { maxTokens: 1, logprobs: true, topLogits: 5, onToken: (e) => (first ??= e) });
    let max = -Infinity;
    for (const x of ref) max = Math.max(max, x);
    let sum = 0;
    for (const x of ref) sum += Math.exp(x - max);
    const refLogprob = ref[first!.id] - max - Math.log(sum);
    // The golden README bounds logits at 1e-4 from llama.cpp; log-softmax moves by at most twice that.
    expect(Math.abs(first!.logprob! - refLogprob)).toBeLessThan(2e-4);
    for (const t of first!.topLogits!) expect(Math.abs(t.logit - ref[t.id])).toBeLessThan(1e-4);
  });

  it('the same seed gives the same text at temperature > 0; top-k 1 is greedy', async () => {
    const c = byId('once_upon__bos');
    const sampling = { temperature: 0.9, topP: 0.95, seed: 1234 };
    const a = await model.createSession().generate(c.tokens, { ...GREEDY, sampling });
    const b = await model.createSession().generate(c.tokens, { ...GREEDY, sampling });
    const other = await model.createSession().generate(c.tokens, { ...GREEDY, sampling: { ...sampling, seed: 99 } });
    expect(b.text).toBe(a.text);
    expect(b.ids).toEqual(a.ids);
    // 32 tokens at temperature 0.9: two seeds agreeing everywhere is vanishingly unlikely.
    expect(other.ids).not.toEqual(a.ids);
    const k1 = await model.createSession().generate(c.tokens, { ...GREEDY, sampling: { temperature: 1.5, topK: 1, seed: 5 } });
    expect(k1.ids).toEqual(c.greedy?.tokens);
  });
});

describe('cancellation on the real engine', () => {
  const long = byId('long_story__bos');

  it('abort mid-prefill: rejects with the reason; the session continues exactly like a fresh run', async () => {
    const controller = new AbortController();
    const session = model.createSession({ maxCallTokens: 64 });
    const reason = new Error('user cancelled');
    const err = await session
      .generate(long.tokens, { ...GREEDY, signal: controller.signal, onProgress: (f) => f > 0.3 && controller.abort(reason) })
      .catch((e: unknown) => e);
    expect(err).toBe(reason);
    const { nPast, pending } = session.stats();
    // Calls of 64: the abort fired after the 2nd call, so the 3rd was refused by the native flag.
    expect(nPast).toBe(128);
    expect(pending).toEqual([]);
    const cont = await session.generate(long.tokens.slice(nPast), GREEDY);
    expect(cont.ids).toEqual(long.greedy?.tokens);
  });

  it('abort mid-decode (stopOnAbort): partial text, then continuing gives the golden continuation', async () => {
    const controller = new AbortController();
    const session = model.createSession();
    const r = await session.generate(long.tokens, {
      ...GREEDY,
      signal: controller.signal,
      stopOnAbort: true,
      onToken: (e) => e.index === 9 && controller.abort(),
    });
    expect(r.stopReason).toBe('abort');
    expect(r.ids).toEqual(long.greedy?.tokens.slice(0, 10));
    expect(session.stats()).toMatchObject({ nPast: long.tokens.length + 9, pending: [r.ids[9]] });
    const rest = await session.generate([], { ...GREEDY, maxTokens: 22 });
    expect([...r.ids, ...rest.ids]).toEqual(long.greedy?.tokens);
  });

  it('a timed abort lands wherever it lands; the state is always consistent', async () => {
    // Timers started with the call tend to land in the prefill, timers started at the first token in decoding.
    for (const [from, delayMs] of [['start', 0], ['start', 5], ['first token', 0], ['first token', 1], ['first token', 3]] as const) {
      const controller = new AbortController();
      const session = model.createSession();
      const events: TokenEvent[] = [];
      const abortLater = () => setTimeout(() => controller.abort(), delayMs);
      if (from === 'start') abortLater();
      const r = await session.generate(long.tokens, {
        maxTokens: 100,
        stopOnEog: false,
        signal: controller.signal,
        stopOnAbort: true,
        onToken: (e) => {
          events.push(e);
          if (from === 'first token' && e.index === 0) abortLater();
        },
      });
      expect(r.ids).toEqual(events.map((e) => e.id));
      const { nPast, pending } = session.stats();
      const held = nPast + pending.length;
      if (r.ids.length === 0) expect(held).toBe(nPast); // stopped in the prefill: nothing pending
      else expect(held).toBe(long.tokens.length + r.ids.length);
      const fresh = await model.createSession().generate(long.tokens, { ...GREEDY, maxTokens: r.ids.length + 3 });
      const cont = await session.generate(r.ids.length === 0 ? long.tokens.slice(nPast) : [], { ...GREEDY, maxTokens: r.ids.length === 0 ? fresh.ids.length : 3 });
      expect(r.ids.length === 0 ? cont.ids : [...r.ids, ...cont.ids]).toEqual(fresh.ids);
    }
  });

  it('dispose during generation rejects with DisposedError; every method then throws', async () => {
    let session!: Session;
    session = model.createSession();
    let disposing: Promise<void> | undefined;
    const run = session.generate(long.tokens, { ...GREEDY, onToken: (e) => e.index === 3 && (disposing = session.dispose()) });
    await expect(run).rejects.toBeInstanceOf(DisposedError);
    await disposing;
    expect(() => session.generate([1])).toThrow(DisposedError);
    expect(() => session.evaluate([1])).toThrow(DisposedError);
    expect(() => session.fork()).toThrow(DisposedError);
    expect(() => session.stats()).toThrow(DisposedError);
    expect(() => session.clear()).toThrow(DisposedError);
    await session.dispose();
  });

  it('a disposed model refuses sessions; its sessions are disposed too', async () => {
    const m = await Model.load(sharedPath('models', 'stories260K.gguf'), { threads: 1 });
    const s = m.createSession();
    const fork = await s.fork();
    const running = s.generate(long.tokens, { maxTokens: 100, stopOnEog: false });
    await m.dispose();
    await expect(running).rejects.toBeInstanceOf(DisposedError);
    expect(() => m.createSession()).toThrow(DisposedError);
    expect(() => fork.stats()).toThrow(DisposedError);
    await m.dispose();
  });
});
