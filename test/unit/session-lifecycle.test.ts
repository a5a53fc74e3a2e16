// Session lifecycle over the fake binding: queueing (no races, FIFO, never BUSY), abort (already
// aborted, mid-prefill, mid-decode, while queued, stopOnAbort, listener removal, consistent state
// afterwards) and dispose (every method throws DisposedError, dispose mid-generation).
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DisposedError, EngineError } from '../../engine/errors.js';
import type { Session } from '../../engine/session/Session.js';
import type { TokenEvent } from '../../engine/session/types.js';
import { wordId } from '../helpers/fakeModelBinding.js';
import { fakeModel } from '../helpers/fakeSession.js';

const BOS = 1;
const prompt = Array.from({ length: 10 }, (_, i) => 260 + i);
/** The fake's greedy rule: a token that depends on the whole history (so state errors show). */
const rule = (h: readonly number[]) => 259 + (h.reduce((a, b) => a * 31 + b, 7) % 15);
const listeners = (s: AbortSignal) => getEventListeners(s, 'abort').length;

describe('queueing', () => {
  it('runs concurrent generate calls one after the other, in call order, without BUSY', async () => {
    const { model, binding } = await fakeModel({ next: rule });
    const session = model.createSession({ maxCallTokens: 4 });
    const order: string[] = [];
    const gens = ['a', 'b', 'c'].map((tag) =>
      session.generate(prompt, { maxTokens: 3, onToken: () => order.push(tag) }).then((r) => (order.push(`${tag}:done`), r)),
    );
    const results = await Promise.all(gens);
    expect(order).toEqual(['a', 'a', 'a', 'a:done', 'b', 'b', 'b', 'b:done', 'c', 'c', 'c', 'c:done']);
    expect(binding.evals.some((e) => e.outcome === 'busy')).toBe(false);
    // The state is the sequential one: prompt, 3 ids, (pending id) prompt, 3 ids, ...
    const expected: number[] = [];
    for (const r of results) expected.push(...prompt, ...r.ids);
    const st = session.stats();
    expect([...binding.sessions[0].history, ...st.pending]).toEqual(expected);
  });

  it('stats() works at any time: during a model call it reports the state before the call', async () => {
    const seen: { nPast: number; bytesResident: number }[] = [];
    let session!: Session;
    const { model } = await fakeModel({ next: rule, onLayer: ({ layer }) => layer === 0 && seen.push(session.stats()) });
    session = model.createSession({ maxCallTokens: 4 });
    await session.generate(prompt, { maxTokens: 2, onToken: () => seen.push(session.stats()) });
    expect(seen.map((s) => s.nPast)).toEqual([0, 4, 8, 10, 10, 11]);
    // The fake reports 16 bytes per token; during a call the value from before it.
    expect(seen.map((s) => s.bytesResident)).toEqual([0, 64, 128, 160, 160, 176]);
  });

  it('fork and clear wait for the running generation', async () => {
    const { model, binding } = await fakeModel({ next: rule });
    const session = model.createSession();
    const gen = session.generate(prompt, { maxTokens: 4 });
    const forked = session.fork();
    const r = await gen;
    const child = await forked;
    expect(child.stats()).toEqual({ ...session.stats(), nBlocks: 0, bytesResident: expect.any(Number) });
    expect(binding.sessions[1].history).toEqual(binding.sessions[0].history);
    const [a, b] = await Promise.all([session.generate([], { maxTokens: 3 }), child.generate([], { maxTokens: 3 })]);
    expect(b.ids).toEqual(a.ids);
    expect(r.ids).toHaveLength(4);
    const cleared = session.clear();
    await session.generate(prompt, { maxTokens: 1 }).catch(() => {});
    await cleared;
  });
});

describe('abort', () => {
  it('an already-aborted signal rejects with its reason (or resolves empty with stopOnAbort) and feeds nothing', async () => {
    const { model, binding } = await fakeModel();
    const session = model.createSession();
    const reason = new Error('stop right there');
    const signal = AbortSignal.abort(reason);
    await expect(session.generate(prompt, { signal })).rejects.toBe(reason);
    await expect(session.evaluate(prompt, { signal })).rejects.toBe(reason);
    const r = await session.generate(prompt, { signal, stopOnAbort: true });
    expect(r).toMatchObject({ ids: [], text: '', stopReason: 'abort' });
    expect(binding.evals).toHaveLength(0);
  });

  it('mid-prefill: the native flag stops the running call within one layer; fed calls stay, the rest is dropped', async () => {
    const controller = new AbortController();
    let layersAfterAbort = -1;
    const { model, binding } = await fakeModel({
      next: rule,
      onLayer: ({ call, layer }) => {
        if (layersAfterAbort >= 0) layersAfterAbort++;
        if (call === 1 && layer === 1) {
          controller.abort();
          layersAfterAbort = 0;
        }
      },
    });
    const session = model.createSession({ maxCallTokens: 4 });
    const err = await session.generate(prompt, { signal: controller.signal, maxTokens: 5 }).catch((e: unknown) => e);
    expect(err).toBe(controller.signal.reason);
    expect(err).toBeInstanceOf(DOMException);
    expect(binding.evals.map((e) => e.outcome)).toEqual(['ok', 'cancelled']);
    expect(layersAfterAbort).toBe(0); // the layer that saw the flag was the last one run
    expect(session.stats()).toMatchObject({ nPast: 4, pending: [] });
    expect(listeners(controller.signal)).toBe(0);
    // Continuing with the rest of the prompt gives what a fresh run gives.
    const cont = await session.generate(prompt.slice(4), { maxTokens: 5 });
    const fresh = await model.createSession({ maxCallTokens: 4 }).generate(prompt, { maxTokens: 5 });
    expect(cont.ids).toEqual(fresh.ids);
  });

  it('mid-decode: rejects, or with stopOnAbort resolves the text so far; the state continues like a fresh run', async () => {
    for (const stopOnAbort of [false, true]) {
      const controller = new AbortController();
      const { model, binding } = await fakeModel({
        next: rule,
        onLayer: ({ call, layer }) => call === 4 && layer === 2 && controller.abort(),
      });
      const session = model.createSession();
      const events: TokenEvent[] = [];
      const run = session.generate(prompt, { maxTokens: 20, signal: controller.signal, stopOnAbort, onToken: (e) => events.push(e) });
      if (!stopOnAbort) expect(await run.catch((e: unknown) => e)).toBe(controller.signal.reason);
      else {
        const r = await run;
        expect(r.stopReason).toBe('abort');
        expect(r.ids).toEqual(events.map((e) => e.id));
        expect(r.text).toBe(events.map((e) => e.text).join(''));
      }
      expect(binding.evals.at(-1)?.outcome).toBe('cancelled');
      expect(events).toHaveLength(4); // tokens from calls 0..3; call 4 was feeding the 4th
      expect(session.stats()).toMatchObject({ nPast: prompt.length + 3, pending: [events[3].id] });
      expect(listeners(controller.signal)).toBe(0);
      const rest = await session.generate([], { maxTokens: 6 });
      const fresh = await model.createSession().generate(prompt, { maxTokens: 10 });
      expect([...events.map((e) => e.id), ...rest.ids]).toEqual(fresh.ids);
    }
  });

  it('an abort while queued removes the waiter; the running generation is unaffected', async () => {
    const { model, binding } = await fakeModel({ next: rule });
    const session = model.createSession();
    const controller = new AbortController();
    const first = session.generate(prompt, { maxTokens: 3 });
    const second = session.generate(prompt, { maxTokens: 3, signal: controller.signal });
    expect(listeners(controller.signal)).toBe(1);
    controller.abort(new Error('changed my mind'));
    await expect(second).rejects.toThrow('changed my mind');
    expect((await first).ids).toHaveLength(3);
    expect(binding.evals.every((e) => e.outcome === 'ok')).toBe(true);
    expect(binding.evals.flatMap((e) => e.tokens)).toHaveLength(prompt.length + 2);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('removes its listener after success and keeps it only while running', async () => {
    const controller = new AbortController();
    let during = -1;
    const { model } = await fakeModel({ onLayer: () => (during = listeners(controller.signal)) });
    await model.createSession().generate(prompt, { maxTokens: 2, signal: controller.signal });
    expect(during).toBe(1);
    expect(listeners(controller.signal)).toBe(0);
  });
});

describe('dispose', () => {
  function everyMethod(s: Session): (() => unknown)[] {
    return [
      () => s.generate([BOS]),
      () => s.generateStream([BOS]),
      () => s.evaluate([BOS]),
      () => s.fork(),
      () => s.clear(),
      () => s.stats(),
    ];
  }

  it('after dispose every method throws DisposedError; dispose is idempotent', async () => {
    const { model, binding } = await fakeModel();
    const session = model.createSession();
    await session.generate([BOS], { maxTokens: 1 });
    await session.dispose();
    expect(session.disposed).toBe(true);
    for (const call of everyMethod(session)) {
      expect(call).toThrow(DisposedError);
      expect(call).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    }
    await session.dispose();
    await session[Symbol.asyncDispose]();
    expect(binding.sessions[0].disposed).toBe(true);
  });

  it('dispose during a generation aborts it (DisposedError), rejects queued calls, then frees native memory', async () => {
    for (const when of ['prefill', 'decode', 'onToken'] as const) {
      let session!: Session;
      let disposing: Promise<void> | undefined;
      const { model, binding } = await fakeModel({
        next: rule,
        onLayer: ({ call, layer }) => {
          if (layer === 1 && ((when === 'prefill' && call === 0) || (when === 'decode' && call === 3))) disposing ??= session.dispose();
        },
      });
      session = model.createSession();
      const running = session.generate(prompt, {
        maxTokens: 50,
        stopOnAbort: true,
        onToken: (e) => {
          if (when === 'onToken' && e.index === 1) disposing ??= session.dispose();
        },
      });
      const queued = session.generate(prompt, { maxTokens: 2 });
      await expect(running).rejects.toBeInstanceOf(DisposedError);
      await expect(queued).rejects.toBeInstanceOf(DisposedError);
      await disposing;
      expect(binding.sessions[0].disposed).toBe(true);
      expect(binding.evals.some((e) => e.outcome === 'busy')).toBe(false);
      expect(binding.evals.filter((e) => e.tokens.length === prompt.length)).toHaveLength(1); // the queued call never ran
    }
  });

  it('disposing the model disposes its sessions and forks; the model then refuses new sessions', async () => {
    const { model, binding } = await fakeModel({ next: rule });
    const a = model.createSession();
    const b = await a.fork();
    const running = a.generate(prompt, { maxTokens: 100 });
    await model.dispose();
    await expect(running).rejects.toBeInstanceOf(DisposedError);
    expect(a.disposed && b.disposed).toBe(true);
    expect(binding.sessions.every((s) => s.disposed)).toBe(true);
    expect(binding.modelsDisposed).toEqual([0]);
    expect(() => model.createSession()).toThrow(DisposedError);
    expect(() => b.stats()).toThrow(EngineError);
    await model.dispose();
    expect(binding.modelsDisposed).toEqual([0]);
  });
});
