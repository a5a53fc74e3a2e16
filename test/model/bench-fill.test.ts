/**
 * binding._testing.bench.fillSyntheticContext (native/addon/addon-bench.cpp), the benchmark-only
 * fill of `npm run bench -- infllm`, on stories260K: the session then holds exactly n more tokens
 * (InfLLM blocks as the spec's bookkeeping makes them, full-cache pages as its layout sizes them,
 * a token history that a saved memory round-trips), keeps working, is deterministic per seed, and
 * refuses bad arguments, a context that cannot hold the tokens and concurrent use.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import type { NativeSession } from '../../engine/binding/ModelBinding.js';
import type { NativeBinding } from '../../engine/binding/NativeBinding.js';
import { smallSettings, storiesFixture } from '../helpers/memio.js';
import { bitEqual } from '../helpers/memoryHarness.js';

const bench = () => (loadBinding() as NativeBinding)._testing.bench;
const stories = storiesFixture('bench-fill');

const infllm = (): NativeSession => stories.model.createSession({ attention: 'infllm', infllm: smallSettings('f16') });
const nextLogits = async (s: NativeSession): Promise<Float32Array> => (await s.eval(Int32Array.of(5), { logits: 'last' })).logits!;

describe('fillSyntheticContext', () => {
  it('InfLLM: n tokens through the block bookkeeping; the history round-trips through save/open', async () => {
    const s = infllm();
    const r = await bench().fillSyntheticContext(s, 500, 1);
    expect(r.nPast).toBe(500);
    expect(s.nPast()).toBe(500);
    const { nInit, nLocal, blockSize } = smallSettings('f16');
    // Blocks are cut while the remainder exceeds the local window by a whole block (spec §2.2).
    expect(s.stats()).toMatchObject({ nTokens: 500, nBlocks: Math.floor((500 - nInit - nLocal) / blockSize) });
    await bench().fillSyntheticContext(s, 100, 2);
    expect(s.stats().nBlocks).toBe(Math.floor((600 - nInit - nLocal) / blockSize));
    const saved = await s.save(join(stories.dir, 'filled'));
    expect(saved.nTokens).toBe(600);
    const opened = await stories.model.openSession(saved.dir, { attention: 'infllm', infllm: smallSettings('f16') });
    expect(opened.nPast()).toBe(600);
    expect(bitEqual(await nextLogits(opened), await nextLogits(s))).toBe(true);
    opened.dispose();
    s.dispose();
  });

  it('is deterministic per seed', async () => {
    const [a, b, c] = [infllm(), infllm(), infllm()];
    await bench().fillSyntheticContext(a, 300, 7);
    await bench().fillSyntheticContext(b, 300, 7);
    await bench().fillSyntheticContext(c, 300, 8);
    const [la, lb, lc] = [await nextLogits(a), await nextLogits(b), await nextLogits(c)];
    expect(la.every(Number.isFinite)).toBe(true);
    expect(bitEqual(la, lb)).toBe(true);
    expect(bitEqual(la, lc)).toBe(false);
    for (const s of [a, b, c]) s.dispose();
  });

  it('full attention: pages for n tokens; refuses more than the context holds, appending nothing', async () => {
    const s = stories.model.createSession({ attention: 'full', nCtx: 600 });
    await bench().fillSyntheticContext(s, 300, 1);
    const info = stories.model.info();
    // Pages of 256 tokens, f32 K and V [nHeadKv, 256, headDim] per layer (native/src/ifl-kv-cache.h).
    const pageBytes = 2 * 256 * info.nHeadKv * info.headDim * 4 * info.nLayer;
    expect(s.stats()).toMatchObject({ nTokens: 300, bytesResident: 2 * pageBytes });
    await expect(bench().fillSyntheticContext(s, 301, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/context full/) });
    expect(s.nPast()).toBe(300);
    expect((await nextLogits(s)).every(Number.isFinite)).toBe(true);
    expect(s.nPast()).toBe(301);
    s.dispose();
  });

  it('rejects bad arguments and marks the session busy while it runs', async () => {
    const s = infllm();
    for (const n of [0, -1, 1.5]) await expect(bench().fillSyntheticContext(s, n, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(bench().fillSyntheticContext(s, 10, -1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(bench().fillSyntheticContext({} as NativeSession, 10, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // The worker's completion is handled on this thread, so the session stays busy until the first await.
    const running = bench().fillSyntheticContext(s, 20000, 1);
    expect(() => s.stats()).toThrow(expect.objectContaining({ code: 'BUSY' }));
    const evalDuring = s.eval(Int32Array.of(5), { logits: 'none' });
    await expect(evalDuring).rejects.toMatchObject({ code: 'BUSY' });
    await running;
    expect(s.nPast()).toBe(20000);
    s.dispose();
  });
});
