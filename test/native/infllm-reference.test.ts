/**
 * Native InfLLM memory vs the independent float64 reference (test/helpers/infllmReference.ts)
 * on random Q/K/V: the spec's toy config and variations (GQA g = 1/2/3/4, normal and neox RoPE,
 * partial rotation, odd sizes, compat on/off, greedy-search-like and mixed call splits incl.
 * 1-token calls and calls that are not multiples of the chunk). Tolerances: infllmCompare.ts.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryLayout } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings } from '../../engine/binding/ModelBinding.js';
import { compareWithReference } from '../helpers/infllmCompare.js';
import { randomInputs, rng, splitCalls } from '../helpers/memoryHarness.js';

type Settings = Required<NativeInfllmSettings>;

/** infllm-spec.md §7 toy config: H=4, Hkv=2, d=16, n_init=4, n_local=32, B=8, k=2, E=8, r=2. */
const TOY_LAYOUT: MemoryLayout = { nLayer: 2, nHead: 4, nHeadKv: 2, headDim: 16 };
const TOY: Settings = { nInit: 4, nLocal: 32, blockSize: 8, topk: 2, reprTopk: 2, chunk: 8, cache: 4, compat: false, kvType: 'f32' };

/** GreedySearch-like: prompt minus its last token, the last token alone, then 1-token decode calls. */
function greedySchedule(prompt: number, total: number): [number, number][] {
  return splitCalls(total, [prompt - 1, ...Array<number>(total - prompt + 1).fill(1)]);
}
const MIXED = [13, 1, 7, 29, 1, 1, 40, 3, 20, 2, 9];

describe('InfLLM native vs float64 reference', () => {
  for (const compat of [false, true]) {
    it(`toy config, greedy schedule, compat=${compat}`, () => {
      const inputs = randomInputs(rng(1), TOY_LAYOUT, 140);
      const r = compareWithReference(TOY_LAYOUT, { ...TOY, compat }, inputs, greedySchedule(100, 140));
      // The run must exercise retrieval: scored selections exist in both prefill and decode.
      expect(r.native.records.some((x) => x.scored && x.qLen > 1)).toBe(true);
      expect(r.native.records.some((x) => x.scored && x.qLen === 1)).toBe(true);
    });

    it(`toy config, mixed call splits, compat=${compat}`, () => {
      const inputs = randomInputs(rng(2), TOY_LAYOUT, 140);
      compareWithReference(TOY_LAYOUT, { ...TOY, compat }, inputs, splitCalls(140, MIXED));
    });
  }

  it('single prefill call (chunks of E inside one call), 3 threads', () => {
    const inputs = randomInputs(rng(3), TOY_LAYOUT, 120);
    compareWithReference(TOY_LAYOUT, TOY, inputs, [[0, 120]], 3);
  });

  it('GQA g=1 (MHA) with neox RoPE', () => {
    const lay: MemoryLayout = { nLayer: 1, nHead: 4, nHeadKv: 4, headDim: 16, neox: true };
    compareWithReference(lay, TOY, randomInputs(rng(4), lay, 130), splitCalls(130, MIXED));
  });

  it('GQA g=4, head_dim 24, normal RoPE, topk 3, repr 3', () => {
    const lay: MemoryLayout = { nLayer: 1, nHead: 8, nHeadKv: 2, headDim: 24 };
    const s: Settings = { ...TOY, topk: 3, reprTopk: 3, cache: 3 };
    compareWithReference(lay, s, randomInputs(rng(5), lay, 130), greedySchedule(90, 130), 2);
  });

  it('odd sizes: g=3, head_dim 12 with 8 rotated dims, B=5, E=7, n_local=20, n_init=3, compat', () => {
    const lay: MemoryLayout = { nLayer: 2, nHead: 3, nHeadKv: 1, headDim: 12, nDims: 8, ropeBase: 500 };
    const s: Settings = { nInit: 3, nLocal: 20, blockSize: 5, topk: 3, reprTopk: 3, chunk: 7, cache: 3, compat: true, kvType: 'f32' };
    compareWithReference(lay, s, randomInputs(rng(6), lay, 101), splitCalls(101, [17, 1, 23, 5, 1, 1, 30, 2]));
  });

  it('n_init 0, neox, topk larger than the block count at first', () => {
    const lay: MemoryLayout = { nLayer: 1, nHead: 2, nHeadKv: 1, headDim: 8, neox: true };
    const s: Settings = { nInit: 0, nLocal: 16, blockSize: 4, topk: 4, reprTopk: 1, chunk: 5, cache: 4, compat: false, kvType: 'f32' };
    const r = compareWithReference(lay, s, randomInputs(rng(7), lay, 90), splitCalls(90, [11, 1, 1, 19, 4, 1, 3]));
    expect(r.native.records.some((x) => !x.scored && x.nBlocks > 0)).toBe(true);
    expect(r.native.records.some((x) => x.scored)).toBe(true);
  });
});
