/**
 * NativeSession lifecycle and misuse through the binding: BUSY while an eval runs, DISPOSED after
 * dispose (idempotent), type-tagged `this` and arguments, argument and capacity errors that leave
 * the session unchanged, fork / clear semantics, the logits / sample options, and seeded sampling
 * through eval.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../engine/binding/loadBinding.js';
import type { NativeModel, NativeSession } from '../../engine/binding/ModelBinding.js';
import { loadModel, maxAbsDiff, modelApi, readGolden, row } from '../helpers/golden.js';
import { sharedPath } from '../helpers/shared.js';

const golden = readGolden(sharedPath('golden', 'stories260K.golden.json'));
const LONG = Int32Array.from(golden.cases.find((c) => c.id === 'long_story__bos')!.tokens);
const V = 512;

let model: NativeModel;
beforeAll(async () => {
  model = await loadModel(sharedPath('models', 'stories260K.gguf'));
});
afterAll(() => model.dispose());

const code = (c: string) => expect.objectContaining({ code: c });
const same = (a?: Float32Array, b?: Float32Array): boolean => !!a && !!b && Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

describe('session lifecycle', () => {
  it('BUSY while an eval runs: second eval rejects, fork/clear/stats/dispose throw, nPast is the committed value', async () => {
    const s = model.createSession({ attention: 'full' });
    await s.eval(LONG.subarray(0, 10), {});
    const running = s.eval(LONG.subarray(10, 300), { logits: 'none' });
    await expect(s.eval(LONG.subarray(10, 11), {})).rejects.toThrow(code('BUSY'));
    for (const f of [() => s.fork(), () => s.clear(), () => s.stats(), () => s.dispose()]) expect(f).toThrow(code('BUSY'));
    expect(s.nPast()).toBe(10);
    await running;
    expect(s.nPast()).toBe(300);
    expect(s.stats().nTokens).toBe(300);
    s.dispose();
  });

  it('a rejected evalTensors (BUSY) leaves nothing that keeps the process alive', () => {
    // Liveness, not speed: the child must exit by itself once its work is done.
    const script = `
      const b = require(${JSON.stringify(join(packageRoot(), 'build', 'Release', 'infllm.node'))});
      (async () => {
        const m = await b.modelLoad(${JSON.stringify(sharedPath('models', 'stories260K.gguf'))}, { threads: 1, onProgress: () => {} });
        const s = m.createSession({ attention: 'full' });
        const run = s.eval(Int32Array.of(1, 2, 3), {});
        const err = await b._testing.model.evalTensors(s, Int32Array.of(1), {}, { onTensor: () => {} }).catch((e) => e.code);
        await run;
        console.log(err);
      })();`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout.trim(), JSON.stringify([r.status, r.signal, r.stderr, r.error?.message])).toBe('BUSY');
    expect(r.status).toBe(0);
  });

  it('DISPOSED after dispose; dispose is idempotent', async () => {
    const s = model.createSession({ attention: 'full' });
    s.dispose();
    s.dispose();
    for (const f of [() => s.nPast(), () => s.fork(), () => s.clear(), () => s.stats()]) expect(f).toThrow(code('DISPOSED'));
    await expect(s.eval(LONG.subarray(0, 2), {})).rejects.toThrow(code('DISPOSED'));
    await expect(modelApi()._testing.model.evalTensors(s, LONG.subarray(0, 2), {}, { onTensor: () => {} })).rejects.toThrow(code('DISPOSED'));
  });

  it('methods check the type of `this` and of handle arguments', async () => {
    const s = model.createSession({ attention: 'full' });
    const abort = modelApi().createAbort();
    const call = (fn: unknown, self: unknown, ...args: unknown[]) => () => (fn as (...a: unknown[]) => unknown).apply(self, args);
    // A foreign `this` is a TypeError (V8's receiver check, then the addon's type tag): never a wrong cast.
    expect(call(s.nPast, model)).toThrow(TypeError);
    expect(call(s.nPast, {})).toThrow(TypeError);
    expect(call(model.info, s)).toThrow(TypeError);
    expect(call(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(abort), 'aborted')!.get, s)).toThrow(TypeError);
    expect(call(abort.abort, s)).toThrow(TypeError);
    await expect(s.eval(LONG.subarray(0, 2), {}, s as never)).rejects.toThrow(code('INVALID_ARGUMENT'));
    await expect(modelApi()._testing.model.evalTensors(model as never, LONG, {}, { onTensor: () => {} })).rejects.toThrow(code('INVALID_ARGUMENT'));
    const Ctor = (s as unknown as { constructor: new (...a: unknown[]) => unknown }).constructor;
    expect(() => new Ctor()).toThrow(/cannot be constructed/);
    expect(() => new Ctor({})).toThrow(TypeError);
    expect(s.nPast()).toBe(0);
    s.dispose();
  });

  it('argument and capacity errors reject INVALID_ARGUMENT and leave the session unchanged', async () => {
    const s = model.createSession({ attention: 'full', nCtx: 16 });
    await s.eval(LONG.subarray(0, 10), {});
    const bad: [unknown, unknown][] = [
      [Array.from(LONG.subarray(0, 2)), {}],
      [new Int32Array(0), {}],
      [Int32Array.of(1, 512), {}],
      [Int32Array.of(1, -1), {}],
      [Int32Array.of(1, 2), { logits: Int32Array.of(2) }],
      [Int32Array.of(1, 2), { logits: 'first' }],
      [Int32Array.of(1, 2), { sample: { temperature: 1, topP: 0 } }],
      [Int32Array.of(1, 2), { sample: 'greedy' }],
      [LONG.subarray(10, 17), {}], // 10 + 7 > nCtx 16
    ];
    for (const [tokens, opts] of bad) {
      await expect(s.eval(tokens as Int32Array, opts as never), JSON.stringify(opts)).rejects.toThrow(code('INVALID_ARGUMENT'));
      expect(s.nPast()).toBe(10);
    }
    await expect(s.eval(LONG.subarray(10, 17), {})).rejects.toThrow(/context full/);
    const r = await s.eval(LONG.subarray(10, 16), { logits: 'none' });
    expect(r.logits).toBeUndefined();
    expect(s.nPast()).toBe(16);
    s.dispose();
    for (const opts of [undefined, {}, { attention: 'sparse' }, { attention: 'full', nCtx: 0 }, { attention: 'infllm', infllm: { topk: 8, cache: 4 } }])
      expect(() => model.createSession(opts as never), JSON.stringify(opts)).toThrow(code('INVALID_ARGUMENT'));
  });

  it('fork continues bit-identically and independently; clear equals a fresh session', async () => {
    const s = model.createSession({ attention: 'full' });
    await s.eval(LONG.subarray(0, 150), { logits: 'none' });
    const f = s.fork();
    expect(f.nPast()).toBe(150);
    const a = await s.eval(LONG.subarray(150, 160), { logits: 'all' });
    const b = await f.eval(LONG.subarray(150, 160), { logits: 'all' });
    expect(same(a.logits, b.logits)).toBe(true);
    await s.eval(Int32Array.of(7, 8, 9), {}); // the original diverges
    const fresh = model.createSession({ attention: 'full' });
    await fresh.eval(LONG.subarray(0, 160), { logits: 'none' });
    const c = await f.eval(LONG.subarray(160, 170), { logits: 'all' });
    const d = await fresh.eval(LONG.subarray(160, 170), { logits: 'all' });
    expect(same(c.logits, d.logits)).toBe(true);
    s.clear();
    expect(s.nPast()).toBe(0);
    expect(s.stats().nTokens).toBe(0);
    const e = await s.eval(LONG.subarray(0, 20), { logits: 'all' });
    const g = await model.createSession({ attention: 'full' }).eval(LONG.subarray(0, 20), { logits: 'all' });
    expect(same(e.logits, g.logits)).toBe(true);
    for (const x of [s, f, fresh]) x.dispose();
  });

  it('logits option: none / last / all / positions in request order; sample reads the last row', async () => {
    const s = model.createSession({ attention: 'full' });
    const all = (await s.eval(LONG.subarray(0, 30), { logits: 'all' })).logits as Float32Array;
    expect(all.length).toBe(30 * V);
    s.clear();
    const pos = await s.eval(LONG.subarray(0, 30), { logits: Int32Array.of(29, 3, 3, 0), sample: { temperature: 0 } });
    const rows = pos.logits as Float32Array;
    [29, 3, 3, 0].forEach((p, i) => expect(maxAbsDiff(row(rows, i, V), row(all, p, V))).toBe(0));
    let best = 0;
    for (let i = 1; i < V; i++) if (all[29 * V + i] > all[29 * V + best]) best = i;
    expect(pos.token).toBe(best);
    expect(pos.ms).toBeGreaterThanOrEqual(0);
    s.clear();
    const last = await s.eval(LONG.subarray(0, 30), {});
    expect(maxAbsDiff(last.logits as Float32Array, row(all, 29, V))).toBe(0);
    expect(last.token).toBeUndefined();
    s.dispose();
  });

  it('seeded sampling through eval is reproducible across sessions; another seed differs', async () => {
    const gen = async (s: NativeSession, seed: number, n: number): Promise<number[]> => {
      const out: number[] = [];
      let r = await s.eval(LONG.subarray(0, 12), { logits: 'none', sample: { temperature: 1, topK: 40, seed } });
      for (let i = 0; i < n; i++) {
        out.push(r.token as number);
        r = await s.eval(Int32Array.of(r.token as number), { logits: 'none', sample: { temperature: 1, topK: 40, seed } });
      }
      return out;
    };
    const a = await gen(model.createSession({ attention: 'full' }), 11, 20);
    const b = await gen(model.createSession({ attention: 'full' }), 11, 20);
    const c = await gen(model.createSession({ attention: 'full' }), 12, 20);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });
});
