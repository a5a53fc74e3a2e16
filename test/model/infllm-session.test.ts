/**
 * InfLLM through the binding (smoke level; the memory itself is tested in test/native/infllm-*):
 * a session whose context is shorter than n_local reproduces full attention (infllm-spec.md O1)
 * and llama.cpp's golden greedy continuation; with small settings the retrieval trace of an eval
 * has one record per layer and execution chunk whose block counts follow the spec's bookkeeping
 * (O6) and whose structure-of-arrays layout is consistent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeInfllmSettings, NativeModel, NativeRetrievalTrace } from '../../engine/binding/ModelBinding.js';
import { blob, greedy, loadModel, maxAbsDiff, readGolden } from '../helpers/golden.js';
import { sharedPath } from '../helpers/shared.js';

const golden = readGolden(sharedPath('golden', 'stories260K.golden.json'));
const CASE = golden.cases.find((c) => c.id === 'long_story__bos')!;
const LONG = Int32Array.from(CASE.tokens); // 364 tokens
const N_LAYER = 5;

let model: NativeModel;
beforeAll(async () => {
  model = await loadModel(sharedPath('models', 'stories260K.gguf'));
});
afterAll(() => model.dispose());

describe('InfLLM sessions', () => {
  it('context shorter than n_local: same logits as full attention, golden greedy continuation (O1)', async () => {
    const full = model.createSession({ attention: 'full' });
    const inf = model.createSession({ attention: 'infllm' }); // paper defaults: n_local 4096
    const a = await full.eval(LONG, { logits: 'all' });
    const b = await inf.eval(LONG, { logits: 'all', sample: { temperature: 0 } });
    // O1 holds exactly in exact arithmetic; the float32 kernels may order a softmax differently
    // between the two memories, which moves logits of magnitude <= 18 by ~1e-6 at most.
    expect(maxAbsDiff(a.logits as Float32Array, b.logits as Float32Array)).toBeLessThan(1e-5);
    expect(maxAbsDiff((b.logits as Float32Array).subarray((LONG.length - 1) * 512), blob(CASE.logits_last!))).toBeLessThan(1e-4);
    expect(await greedy(inf, b.token as number, 32)).toEqual(CASE.greedy!.tokens);
    expect(inf.stats()).toMatchObject({ nTokens: LONG.length + 31, nBlocks: 0 });
    full.dispose();
    inf.dispose();
  });

  const S: Required<Omit<NativeInfllmSettings, 'compat'>> = { nInit: 4, nLocal: 64, blockSize: 16, topk: 2, reprTopk: 2, chunk: 32, cache: 4, kvType: 'f16' };
  const blocksBefore = (pos: number): number => Math.max(0, Math.floor((pos - S.nInit - S.nLocal) / S.blockSize));

  function checkTrace(t: NativeRetrievalTrace, qStarts: number[], qLens: number[]): void {
    const n = N_LAYER * qStarts.length;
    for (const a of [t.layer, t.qStart, t.qLen, t.nBlocks, t.scored]) expect(a.length).toBe(n);
    expect(t.selOffsets.length).toBe(n + 1);
    expect(t.selOffsets[n]).toBe(t.selected.length);
    expect(t.scores.length).toBe(t.selected.length);
    for (let i = 0; i < n; i++) {
      const chunk = i % qStarts.length;
      expect([t.layer[i], t.qStart[i], t.qLen[i]]).toEqual([Math.floor(i / qStarts.length), qStarts[chunk], qLens[chunk]]);
      const nb = blocksBefore(qStarts[chunk]);
      expect(t.nBlocks[i]).toBe(nb);
      expect(t.scored[i]).toBe(nb > S.topk ? 1 : 0);
      const sel = Array.from(t.selected.subarray(t.selOffsets[i], t.selOffsets[i + 1]));
      expect(sel.length).toBe(Math.min(S.topk, nb));
      expect(sel).toEqual([...sel].sort((x, y) => x - y));
      expect(sel.every((b) => b >= 0 && b < nb)).toBe(true);
      const sc = Array.from(t.scores.subarray(t.selOffsets[i], t.selOffsets[i + 1]));
      expect(sc.every((v) => (t.scored[i] ? Number.isFinite(v) : Number.isNaN(v)))).toBe(true);
    }
  }

  it('retrieval trace: one record per layer and chunk, block counts as in spec O6', async () => {
    const s = model.createSession({ attention: 'infllm', infllm: S });
    const r = await s.eval(LONG, { logits: 'none', trace: true });
    const starts = Array.from({ length: Math.ceil(LONG.length / S.chunk) }, (_, i) => i * S.chunk);
    checkTrace(r.trace!, starts, starts.map((p) => Math.min(S.chunk, LONG.length - p)));
    const d = await s.eval(Int32Array.of(5), { logits: 'last', trace: true });
    checkTrace(d.trace!, [LONG.length], [1]);
    expect(s.stats().nBlocks).toBe(blocksBefore(LONG.length + 1));
    expect((await s.eval(Int32Array.of(6), {})).trace).toBeUndefined();
    const full = model.createSession({ attention: 'full' });
    const f = await full.eval(LONG.subarray(0, 8), { trace: true });
    expect(f.trace!.layer.length).toBe(0);
    expect(Array.from(f.trace!.selOffsets)).toEqual([0]);
    s.dispose();
    full.dispose();
  });
});
