/**
 * Full KV cache (native/src/ifl-kv-cache) vs float64 causal RoPE attention, over call splits,
 * GQA and both RoPE pairings; capacity; rollback and fork semantics (bit-exact).
 */
import { describe, expect, it } from 'vitest';
import type { MemoryLayout, TestMemory } from '../../engine/binding/MemoryTestingBinding.js';
import { OUT_TOL } from '../helpers/infllmCompare.js';
import { causalAttention } from '../helpers/infllmReference.js';
import {
  bitEqual, maxAbsDiff, memoryApi, nativeCall, randomInputs, refLayout, rng, runNative, sliceInputs, splitCalls,
} from '../helpers/memoryHarness.js';

const LAY: MemoryLayout = { nLayer: 2, nHead: 4, nHeadKv: 2, headDim: 16 };
const full = (lay: MemoryLayout, capacity = 0, nThreads = 1): TestMemory => memoryApi().create(lay, { kind: 'full', capacity, nThreads });

describe('full KV cache', () => {
  const layouts: [string, MemoryLayout][] = [
    ['GQA g=2, normal RoPE', LAY],
    ['MHA, neox RoPE, head_dim 24', { nLayer: 1, nHead: 3, nHeadKv: 3, headDim: 24, neox: true }],
    ['g=4, head_dim 12 with 8 rotated dims', { nLayer: 1, nHead: 4, nHeadKv: 1, headDim: 12, nDims: 8, ropeBase: 1000 }],
  ];
  for (const [name, lay] of layouts)
    it(`matches float64 causal attention for any call split (${name})`, () => {
      // 300 tokens: more than one 256-token page and one attention segment.
      const T = 300;
      const inputs = randomInputs(rng(31), lay, T);
      const want = inputs.map((x) => causalAttention(refLayout(lay), x));
      for (const sizes of [[T], [1, 2, 255, 1, 41], [77, 1, 1, 1, 100]]) {
        const r = runNative(full(lay, 0, 2), lay, inputs, splitCalls(T, sizes));
        // Tolerance: see OUT_TOL in test/helpers/infllmCompare.ts (same float32 kernel).
        for (let il = 0; il < lay.nLayer; il++) expect(maxAbsDiff(r.out[il], want[il])).toBeLessThan(OUT_TOL);
      }
    });

  it('one prefill call and token-by-token decoding give bit-identical outputs', () => {
    const T = 270;
    const inputs = randomInputs(rng(32), LAY, T);
    const one = runNative(full(LAY), LAY, inputs, [[0, T]]);
    const steps = runNative(full(LAY, 0, 3), LAY, inputs, splitCalls(T, Array<number>(T).fill(1)));
    for (let il = 0; il < 2; il++) expect(bitEqual(one.out[il], steps.out[il])).toBe(true);
  });

  it('respects its capacity', () => {
    const mem = full(LAY, 10);
    nativeCall(mem, LAY, randomInputs(rng(33), LAY, 8));
    expect(mem.capacityLeft()).toBe(2);
    expect(() => mem.beginCall(3)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/context full/) }));
    nativeCall(mem, LAY, randomInputs(rng(34), LAY, 2));
    expect(mem.nPast()).toBe(10);
    expect(memoryApi().create(LAY, { kind: 'full' }).capacityLeft()).toBeGreaterThan(1e15);
  });

  it('rollback: the next call equals a run that never saw the abandoned call', () => {
    const inputs = randomInputs(rng(35), LAY, 320);
    const a = sliceInputs(inputs, LAY, 0, 250);
    const junk = randomInputs(rng(36), LAY, 40);
    const d = sliceInputs(inputs, LAY, 250, 320);
    const clean = full(LAY);
    nativeCall(clean, LAY, a);
    const want = nativeCall(clean, LAY, d).out;
    const mem = full(LAY);
    nativeCall(mem, LAY, a);
    // abandoned after layer 0 only, then after both layers (never committed)
    mem.beginCall(40);
    mem.attend(0, junk[0].q, junk[0].k, junk[0].v);
    mem.rollbackCall();
    nativeCall(mem, LAY, junk, false);
    mem.rollbackCall();
    expect(mem.nPast()).toBe(250);
    const got = nativeCall(mem, LAY, d).out;
    for (let il = 0; il < 2; il++) expect(bitEqual(got[il], want[il])).toBe(true);
  });

  it('fork: continuing a fork equals continuing the original; forks are independent', () => {
    const inputs = randomInputs(rng(37), LAY, 300);
    const mem = full(LAY);
    nativeCall(mem, LAY, sliceInputs(inputs, LAY, 0, 200));
    const f = mem.fork();
    expect(f.nPast()).toBe(200);
    const c = sliceInputs(inputs, LAY, 200, 260);
    const fromOrig = nativeCall(mem, LAY, c).out;
    const fromFork = nativeCall(f, LAY, c).out;
    for (let il = 0; il < 2; il++) expect(bitEqual(fromOrig[il], fromFork[il])).toBe(true);
    // Diverge: the original sees other tokens; the fork must still equal a fresh run of its history.
    nativeCall(mem, LAY, randomInputs(rng(38), LAY, 30));
    const tail = sliceInputs(inputs, LAY, 260, 300);
    const forkTail = nativeCall(f, LAY, tail).out;
    const fresh = full(LAY);
    nativeCall(fresh, LAY, sliceInputs(inputs, LAY, 0, 260));
    const freshTail = nativeCall(fresh, LAY, tail).out;
    for (let il = 0; il < 2; il++) expect(bitEqual(forkTail[il], freshTail[il])).toBe(true);
  });

  it('rejects misuse with INVALID_ARGUMENT', () => {
    const mem = full(LAY);
    const x = randomInputs(rng(39), LAY, 2);
    expect(() => mem.attend(0, x[0].q, x[0].k, x[0].v)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    mem.beginCall(2);
    expect(() => mem.beginCall(2)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => mem.attend(0, x[0].q.subarray(1), x[0].k, x[0].v)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    mem.attend(0, x[0].q, x[0].k, x[0].v);
    expect(() => mem.attend(0, x[0].q, x[0].k, x[0].v)).toThrow(/already attended/);
    expect(() => mem.endCall()).toThrow(/layer 1 was not attended/);
    expect(() => mem.fork()).toThrow(/call is in progress/);
    mem.rollbackCall();
    expect(mem.nPast()).toBe(0);
    expect(() => memoryApi().create({ ...LAY, nHeadKv: 3 }, { kind: 'full' })).toThrow(/n_head_kv must divide n_head/);
  });
});
