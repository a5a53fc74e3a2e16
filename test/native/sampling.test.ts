/**
 * The native sampler (binding._testing.model.sample) against the plain TypeScript reference in
 * test/helpers/samplingReference.ts: greedy ties, penalties on crafted logits, every filter
 * combination on random logits (same candidate set, same probabilities, same token), the
 * empirical distribution of many seeded draws, determinism and argument errors.
 */
import { describe, expect, it } from 'vitest';
import type { NativeSamplingParams } from '../../engine/binding/ModelBinding.js';
import { modelApi } from '../helpers/golden.js';
import { rng, randn } from '../helpers/memoryHarness.js';
import { referenceSample, uniform } from '../helpers/samplingReference.js';

const sample = (logits: ArrayLike<number>, p: NativeSamplingParams, history: number[] = [], stream = 0) =>
  modelApi()._testing.model.sample(Float32Array.from(logits), p, Int32Array.from(history), stream);

// Probabilities: both sides sum exp() values in float64 in the same order; only the libm exp
// implementations differ (<= 2 ulp each), so 1e-12 absolute is ~1000x the expected gap.
const PROB_TOL = 1e-12;

function randomLogits(seed: number, n: number, scale = 3): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => randn(r) * scale);
}

describe('sampling', () => {
  it('greedy: argmax, ties to the lowest id, NaN ignored', () => {
    expect(sample([0.5, 2, 1, 2, -3], { temperature: 0 }).token).toBe(1);
    expect(sample([NaN, 1, 7, NaN, 7], {}).token).toBe(2); // default temperature 0
    expect(sample([-Infinity, -Infinity], { temperature: 0 }).token).toBe(0);
    expect(sample([1, 2, 3], { temperature: -1 }).ids.length).toBe(0); // greedy reports no candidates
  });

  it('penalties follow llama.cpp (divide positive, multiply negative, then count * freq + presence)', () => {
    // token 0: positive logit seen twice; token 1: negative seen once; token 3 outside the window
    const logits = [2.0, -1.0, 1.5, 1.9];
    const p: NativeSamplingParams = { temperature: 1, repeatPenalty: 1.25, frequencyPenalty: 0.1, presencePenalty: 0.05, penaltyLastN: 3, seed: 1 };
    const history = [3, 0, 1, 0];
    const got = sample(logits, p, history);
    const want = referenceSample(Float32Array.from(logits), p, Int32Array.from(history), 0);
    expect(Array.from(got.ids)).toEqual(want.ids);
    for (let i = 0; i < want.probs.length; i++) expect(Math.abs(got.probs[i] - want.probs[i])).toBeLessThan(PROB_TOL);
    // Hand-computed: 2/1.25 - (2*0.1 + 0.05) = 1.35; -1*1.25 - (0.1 + 0.05) = -1.4; 1.5; 1.9 (outside window).
    const e = [1.35, -1.4, 1.5, 1.9].map((v) => Math.exp(v));
    const s = e.reduce((a, b) => a + b);
    e.forEach((x, i) => expect(got.probs[i]).toBeCloseTo(x / s, 6));
    // Greedy sees the penalties too: token 0 (2.0) loses to token 3 (1.9) only when penalised.
    expect(sample(logits, { temperature: 0 }, history).token).toBe(0);
    expect(sample(logits, { temperature: 0, repeatPenalty: 1.25, penaltyLastN: 3 }, history).token).toBe(3);
    expect(sample(logits, { temperature: 0, repeatPenalty: 1.25, penaltyLastN: 0 }, history).token).toBe(0);
    // frequency counts occurrences (2.0 - 5*0.1 < 1.7 - 0.1), presence does not (2.0 - 0.1 > 1.7 - 0.1);
    // penaltyLastN -1 looks at the whole history.
    const hist = [0, 0, 0, 0, 0, 1];
    expect(sample([2.0, 1.7], { temperature: 0, frequencyPenalty: 0.1, penaltyLastN: -1 }, hist).token).toBe(1);
    expect(sample([2.0, 1.7], { temperature: 0, presencePenalty: 0.1, penaltyLastN: -1 }, hist).token).toBe(0);
    expect(sample([2.0, 1.7], { temperature: 0, frequencyPenalty: 0.1, penaltyLastN: 2 }, hist).token).toBe(0);
  });

  const combos: [string, NativeSamplingParams][] = [
    ['temperature only', { temperature: 0.8 }],
    ['top-k', { temperature: 1, topK: 5 }],
    ['top-p', { temperature: 1.3, topP: 0.7 }],
    ['min-p', { temperature: 0.6, minP: 0.05 }],
    ['top-k + top-p + min-p', { temperature: 1, topK: 40, topP: 0.95, minP: 0.02 }],
    ['top-p tiny (one candidate)', { temperature: 1, topP: 1e-6 }],
    ['all + penalties', { temperature: 0.9, topK: 20, topP: 0.9, minP: 0.01, repeatPenalty: 1.1, frequencyPenalty: 0.2, presencePenalty: 0.3 }],
  ];
  for (const [name, params] of combos) {
    it(`${name}: same candidates, probabilities and tokens as the reference`, () => {
      for (let trial = 0; trial < 6; trial++) {
        const logits = randomLogits(100 + trial, 300);
        const history = Array.from({ length: 80 }, (_, i) => (i * 37 + trial) % 300);
        for (const stream of [0, 1, 517, 123456789]) {
          const p = { ...params, seed: 1000 + trial };
          const got = sample(logits, p, history, stream);
          const want = referenceSample(logits, p, Int32Array.from(history), stream);
          expect(Array.from(got.ids)).toEqual(want.ids);
          for (let i = 0; i < want.probs.length; i++) expect(Math.abs(got.probs[i] - want.probs[i])).toBeLessThan(PROB_TOL);
          expect(got.token).toBe(want.token);
        }
      }
    });
  }

  it('the draws follow the reference distribution (20000 seeded draws)', () => {
    const logits = Float32Array.from([2.0, 1.0, 0.5, 0.5, -0.5, -1.0, -3.0, 1.5]);
    const p: NativeSamplingParams = { temperature: 0.7, topP: 0.97, seed: 42 };
    const probs = referenceSample(logits, p, new Int32Array(), 0);
    const N = 20000;
    const counts = new Map<number, number>();
    for (let s = 0; s < N; s++) {
      const t = sample(logits, p, [], s).token;
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    probs.ids.forEach((id, i) => {
      const pr = probs.probs[i];
      // Binomial bound: 5 standard deviations (a false failure has probability ~6e-7 per token).
      expect(Math.abs((counts.get(id) ?? 0) / N - pr)).toBeLessThan(5 * Math.sqrt((pr * (1 - pr)) / N) + 1e-9);
    });
    for (const id of counts.keys()) expect(probs.ids).toContain(id); // nothing outside the top-p set
    expect(probs.ids).not.toContain(6); // token 6 falls outside top-p 0.97
  });

  it('is deterministic: same seed and stream give the same token; the stream and the seed matter', () => {
    const logits = randomLogits(7, 64, 0.5); // flat: many plausible tokens
    const p = { temperature: 1, seed: 5 };
    const a = Array.from({ length: 50 }, (_, s) => sample(logits, p, [], s).token);
    const b = Array.from({ length: 50 }, (_, s) => sample(logits, p, [], s).token);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(10);
    const c = Array.from({ length: 50 }, (_, s) => sample(logits, { ...p, seed: 6 }, [], s).token);
    expect(c).not.toEqual(a);
    expect(uniform(5, 0)).not.toBe(uniform(5, 1));
  });

  it('rejects parameters out of range with INVALID_ARGUMENT', () => {
    const bad: NativeSamplingParams[] = [
      { temperature: 1, topP: 0 },
      { temperature: 1, topP: 1.5 },
      { temperature: 1, minP: -0.1 },
      { temperature: 1, minP: 2 },
      { temperature: 1, topK: -1 },
      { temperature: 1, repeatPenalty: 0 },
      { temperature: Infinity },
      { temperature: 1, penaltyLastN: -2 },
      { temperature: 1, seed: -1 },
      { temperature: 1, seed: 1.5 },
    ];
    for (const p of bad) expect(() => sample([1, 2], p), JSON.stringify(p)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
