/**
 * InfLLM memory lifecycle: settings validation (typed errors naming the field), rollback of an
 * uncommitted call (bit-exact restore), fork (bit-exact continuation, independence), clear, stats.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryLayout, TestMemory } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings } from '../../engine/binding/ModelBinding.js';
import { bitEqual, createInfllm, memoryApi, nativeCall, randomInputs, rng, sliceInputs } from '../helpers/memoryHarness.js';

const LAY: MemoryLayout = { nLayer: 3, nHead: 4, nHeadKv: 2, headDim: 16 };
const TOY: Required<NativeInfllmSettings> = { nInit: 4, nLocal: 32, blockSize: 8, topk: 2, reprTopk: 2, chunk: 8, cache: 4, compat: false, kvType: 'f32' };

function snapshot(mem: TestMemory) {
  return Array.from({ length: LAY.nLayer }, (_, il) => ({
    state: mem.infllmLayer(il),
    reprs: Array.from(mem.infllmReprs(il)),
    rem: Array.from(mem.infllmRemScores(il)),
  }));
}

describe('InfLLM memory lifecycle', () => {
  it('has the paper defaults (and f16 blocks, the app default)', () => {
    expect(memoryApi().infllmDefaults()).toEqual({
      nInit: 128, nLocal: 4096, blockSize: 128, topk: 16, reprTopk: 4, chunk: 512, cache: 32, compat: false, kvType: 'f16',
    });
  });

  const invalid: [Partial<NativeInfllmSettings>, RegExp][] = [
    [{ chunk: 40 }, /chunk \(40\) must be <= n_local \(32\)/],
    [{ cache: 1 }, /cache \(1\) must be >= topk \(2\)/],
    [{ blockSize: 0 }, /block_size must be in \[1/],
    [{ reprTopk: 9 }, /repr_topk \(9\) must be <= block_size \(8\)/],
    [{ reprTopk: 0 }, /repr_topk must be >= 1/],
    [{ nLocal: 0, chunk: 0 }, /n_local must be in \[1/],
    [{ nInit: -1 }, /n_init must be in \[0/],
    [{ topk: -1 }, /topk must be >= 0/],
  ];
  for (const [patch, message] of invalid)
    it(`rejects ${JSON.stringify(patch)} with INVALID_ARGUMENT naming the field`, () => {
      expect(() => createInfllm(LAY, { ...TOY, ...patch })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) }));
    });

  it('rejects non-integer settings as a TypeError', () => {
    expect(() => createInfllm(LAY, { ...TOY, topk: 1.5 })).toThrow(TypeError);
  });

  it('rollback restores the exact state; the next call equals a run that never saw the abandoned one', () => {
    const inputs = randomInputs(rng(41), LAY, 140);
    const first = sliceInputs(inputs, LAY, 0, 90);
    const next = sliceInputs(inputs, LAY, 90, 140);
    const clean = createInfllm(LAY, TOY);
    nativeCall(clean, LAY, first);
    const want = nativeCall(clean, LAY, next);

    const mem = createInfllm(LAY, TOY);
    nativeCall(mem, LAY, first);
    const before = snapshot(mem);
    // A 30-token call cancelled after 2 of 3 layers: blocks and init moved, scores changed.
    const junk = randomInputs(rng(42), LAY, 30);
    mem.beginCall(30);
    mem.attend(0, junk[0].q, junk[0].k, junk[0].v);
    mem.attend(1, junk[1].q, junk[1].k, junk[1].v);
    expect(mem.infllmLayer(0).nBlocks).toBeGreaterThan(before[0].state.nBlocks);
    mem.rollbackCall();
    expect(snapshot(mem)).toEqual(before);
    // A decode step on every layer, never committed.
    nativeCall(mem, LAY, randomInputs(rng(43), LAY, 1), false);
    mem.rollbackCall();
    expect(mem.nPast()).toBe(90);
    const got = nativeCall(mem, LAY, next);
    for (let il = 0; il < LAY.nLayer; il++) expect(bitEqual(got.out[il], want.out[il])).toBe(true);
    expect(got.records).toEqual(want.records);
  });

  it('fork: continuing a fork equals continuing the original bit for bit; forks are independent', () => {
    const inputs = randomInputs(rng(44), LAY, 620);
    const mem = createInfllm(LAY, TOY);
    nativeCall(mem, LAY, sliceInputs(inputs, LAY, 0, 560)); // 65 blocks: a full shared repr page + the copied one
    const f = mem.fork();
    const c = sliceInputs(inputs, LAY, 560, 580);
    const a = nativeCall(mem, LAY, c);
    const b = nativeCall(f, LAY, c);
    for (let il = 0; il < LAY.nLayer; il++) expect(bitEqual(a.out[il], b.out[il])).toBe(true);
    expect(b.records).toEqual(a.records);
    // Diverge: the original takes other tokens, the fork must still match a fresh run of its history.
    const other = randomInputs(rng(45), LAY, 50);
    nativeCall(mem, LAY, other);
    const tail = sliceInputs(inputs, LAY, 580, 620);
    const ft = nativeCall(f, LAY, tail);
    const fresh = createInfllm(LAY, TOY);
    nativeCall(fresh, LAY, sliceInputs(inputs, LAY, 0, 560));
    nativeCall(fresh, LAY, c);
    const want = nativeCall(fresh, LAY, tail);
    for (let il = 0; il < LAY.nLayer; il++) expect(bitEqual(ft.out[il], want.out[il])).toBe(true);
    expect(ft.records).toEqual(want.records);
    expect(snapshot(f)).toEqual(snapshot(fresh));
    // ... and the original was not disturbed by the fork's calls.
    const g = createInfllm(LAY, TOY);
    nativeCall(g, LAY, sliceInputs(inputs, LAY, 0, 560));
    nativeCall(g, LAY, c);
    nativeCall(g, LAY, other);
    expect(snapshot(mem)).toEqual(snapshot(g));
  });

  it('clear forgets everything; stats report tokens, blocks and bytes', () => {
    const mem = createInfllm(LAY, TOY);
    nativeCall(mem, LAY, randomInputs(rng(46), LAY, 100));
    const st = mem.stats();
    expect(st.nTokens).toBe(100);
    expect(st.nBlocks).toBe(Math.floor((100 - 4 - 32) / 8));
    // At least the blocks' K and V: layers * blocks * 2 * Hkv * B * d floats.
    expect(st.bytesResident).toBeGreaterThan(LAY.nLayer * st.nBlocks * 2 * 2 * 8 * 16 * 4);
    mem.clear();
    expect(mem.nPast()).toBe(0);
    expect(mem.infllmLayer(0)).toEqual({ initLen: 0, nBlocks: 0, remStart: 0, remEnd: 0 });
    expect(() => memoryApi().create(LAY, { kind: 'full' }).infllmLayer(0)).toThrow(/not an InfLLM memory/);
  });
});
