/**
 * A plain TypeScript sampler written from the specification in native/src/ifl-sampling.h (not from
 * its code): penalties, greedy, top-k, top-p, min-p, temperature and the seeded draw, all on
 * full sorts of the whole vocabulary. float32 steps use Math.fround; sums are float64.
 */
import type { NativeSamplingParams } from '../../engine/binding/ModelBinding.js';

const f = Math.fround;
const MASK = (1n << 64n) - 1n;

/** splitmix64 finaliser on 64-bit integers. */
export function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}

/** The draw's uniform number for `seed` at RNG stream `stream`. */
export function uniform(seed: number, stream: number): number {
  return Number(splitmix64(splitmix64(BigInt(seed)) ^ BigInt(stream)) >> 11n) * 2 ** -53;
}

export interface ReferenceResult {
  token: number;
  /** Final candidates in ascending id order and their probabilities (empty for greedy). */
  ids: number[];
  probs: number[];
}

/** Logits after the repetition / frequency / presence penalties (float32 values). */
export function penalize(logits: Float32Array, p: NativeSamplingParams, history: Int32Array): Float32Array {
  const out = Float32Array.from(logits, (v) => (Number.isNaN(v) ? -Infinity : v));
  const lastN = p.penaltyLastN ?? 64;
  const rep = p.repeatPenalty ?? 1;
  const freq = p.frequencyPenalty ?? 0;
  const pres = p.presencePenalty ?? 0;
  if (lastN === 0 || (rep === 1 && freq === 0 && pres === 0)) return out;
  const window = lastN < 0 ? history : history.subarray(Math.max(0, history.length - lastN));
  const counts = new Map<number, number>();
  for (const t of window) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [id, c] of counts) {
    if (id < 0 || id >= out.length) continue;
    let l = out[id];
    l = l <= 0 ? f(l * f(rep)) : f(l / f(rep));
    out[id] = f(l - (c * f(freq) + f(pres)));
  }
  return out;
}

/** The reference sampler: same inputs as binding._testing.model.sample. */
export function referenceSample(logits: Float32Array, p: NativeSamplingParams, history: Int32Array, stream: number): ReferenceResult {
  const l = penalize(logits, p, history);
  const temp = f(p.temperature ?? 0);
  if (temp <= 0) {
    let best = 0;
    for (let i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
    return { token: best, ids: [], probs: [] };
  }
  let kept = Array.from(l, (v, id) => ({ id, v })).sort((a, b) => b.v - a.v || a.id - b.id);
  const topK = p.topK ?? 0;
  if (topK > 0 && topK < kept.length) kept = kept.slice(0, topK);
  const l0 = kept[0].v;
  const topP = f(p.topP ?? 1);
  if (topP < 1) {
    const e = kept.map((c) => Math.exp(c.v - l0));
    const s = [...kept.keys()].sort((a, b) => kept[a].id - kept[b].id).reduce((acc, i) => acc + e[i], 0);
    let cum = 0;
    let n = kept.length;
    for (let i = 0; i < kept.length; i++) {
      cum += e[i] / s;
      if (cum >= topP) {
        n = i + 1;
        break;
      }
    }
    kept = kept.slice(0, n);
  }
  const minP = f(p.minP ?? 0);
  if (minP > 0) {
    const thr = l0 + Math.log(minP);
    const n = kept.filter((c) => c.v >= thr).length;
    kept = kept.slice(0, Math.max(1, n));
  }
  kept.sort((a, b) => a.id - b.id);
  const scaled = kept.map((c) => f(c.v / temp));
  const lMax = Math.max(...scaled);
  const e = scaled.map((v) => Math.exp(v - lMax));
  const s = e.reduce((a, b) => a + b, 0);
  const target = uniform(p.seed ?? 0, stream) * s;
  let cum = 0;
  let token = kept[kept.length - 1].id;
  for (let i = 0; i < kept.length; i++) {
    cum += e[i];
    if (cum > target) {
      token = kept[i].id;
      break;
    }
  }
  return { token, ids: kept.map((c) => c.id), probs: e.map((x) => x / s) };
}
