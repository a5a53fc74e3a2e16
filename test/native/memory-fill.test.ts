/**
 * attn_memory::append_kv_only (TestMemory.fillKv), the benchmark fill: keys/values appended without
 * attention must leave the memory exactly as real calls with the same keys/values would (what later
 * calls see), for the full KV cache (checked against float64 causal attention) and for InfLLM
 * (init, blocks and remainder compared with a memory fed by real calls); a call in progress and a
 * full capacity are refused.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryLayout } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings } from '../../engine/binding/ModelBinding.js';
import { OUT_TOL } from '../helpers/infllmCompare.js';
import { causalAttention, type LayerInput } from '../helpers/infllmReference.js';
import { bitEqual, createInfllm, maxAbsDiff, memoryApi, nativeCall, randomInputs, refLayout, rng, sliceInputs } from '../helpers/memoryHarness.js';

const LAY: MemoryLayout = { nLayer: 2, nHead: 4, nHeadKv: 2, headDim: 16, neox: true, ropeBase: 10000 };

/** Layer 0's k/v for every layer (fillKv appends the same keys/values to all layers). */
function sharedKv(inputs: LayerInput[]): LayerInput[] {
  return inputs.map((x) => ({ q: x.q, k: inputs[0].k, v: inputs[0].v }));
}

describe('full KV cache: fillKv', () => {
  it('later calls attend to the filled keys/values as to ones fed by real calls (float64 reference)', () => {
    // 300 filled tokens span two 256-token pages; then a 5-token call.
    const T = 300;
    const M = 5;
    const inputs = sharedKv(randomInputs(rng(61), LAY, T + M));
    const head = sliceInputs(inputs, LAY, 0, T)[0];
    const mem = memoryApi().create(LAY, { kind: 'full' });
    mem.fillKv(head.k, head.v);
    expect(mem.nPast()).toBe(T);
    const got = nativeCall(mem, LAY, sliceInputs(inputs, LAY, T, T + M)).out;
    const row = LAY.nHead * LAY.headDim;
    for (let il = 0; il < LAY.nLayer; il++) {
      const want = causalAttention(refLayout(LAY), inputs[il]).slice(T * row);
      // Tolerance: see OUT_TOL in test/helpers/infllmCompare.ts (same float32 kernel and RoPE).
      expect(maxAbsDiff(got[il], want)).toBeLessThan(OUT_TOL);
    }
  });

  it('refuses to go past its capacity and while a call is open, changing nothing', () => {
    const x = randomInputs(rng(62), LAY, 12)[0];
    const mem = memoryApi().create(LAY, { kind: 'full', capacity: 10 });
    expect(() => mem.fillKv(x.k, x.v)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/context full/) }));
    expect(mem.nPast()).toBe(0);
    mem.beginCall(1);
    expect(() => mem.fillKv(x.k.slice(0, 32), x.v.slice(0, 32))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    mem.rollbackCall();
    expect(mem.nPast()).toBe(0);
  });
});

describe('InfLLM: fillKv', () => {
  const S: NativeInfllmSettings = { nInit: 4, nLocal: 32, blockSize: 8, topk: 2, reprTopk: 2, chunk: 16, cache: 2 };

  it('leaves init, blocks (keys/values) and the remainder exactly as real calls with the same keys/values', () => {
    const T = 200; // 4 init + 20 blocks of 8 + a 36-token remainder
    const inputs = sharedKv(randomInputs(rng(63), LAY, T));
    const filled = createInfllm(LAY, S);
    filled.fillKv(inputs[0].k, inputs[0].v);
    const fed = createInfllm(LAY, S);
    for (let t = 0; t < T; t += 48) nativeCall(fed, LAY, sliceInputs(inputs, LAY, t, Math.min(T, t + 48)));
    expect(filled.nPast()).toBe(T);
    expect(filled.stats().nBlocks).toBe(Math.floor((T - S.nInit! - S.nLocal!) / S.blockSize!));
    for (let il = 0; il < LAY.nLayer; il++) {
      expect(filled.infllmLayer(il)).toEqual(fed.infllmLayer(il));
      const [a, b] = [filled.infllmInit(il), fed.infllmInit(il)];
      expect(bitEqual(a.k, b.k) && bitEqual(a.v, b.v)).toBe(true);
      for (let bi = 0; bi < filled.stats().nBlocks; bi++) {
        const [x, y] = [filled.infllmBlock(il, bi), fed.infllmBlock(il, bi)];
        expect([x.begin, x.end]).toEqual([y.begin, y.end]);
        expect(bitEqual(x.k, y.k) && bitEqual(x.v, y.v)).toBe(true);
      }
    }
  });
});
