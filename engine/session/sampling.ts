/**
 * Sampling options of Session.generate: every field of the native sampler documented with its
 * default, validated with messages naming the field, and the per-step seeds derived from the
 * generation's seed (so a run is reproducible whatever the native RNG does between calls).
 */
import { randomInt } from 'node:crypto';
import type { NativeSamplingParams } from '../binding/ModelBinding.js';
import { EngineError } from '../errors.js';

/** How the next token is chosen. Defaults in brackets; "off" values disable a stage. */
export interface SamplingOptions {
  /** Softmax temperature; 0 = greedy: the argmax, ties to the lowest id [0]. */
  temperature?: number;
  /** Keep only the K most likely tokens; 0 = off [0]. */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches P; 1 = off [1]. */
  topP?: number;
  /** Drop tokens less likely than P × the best token's probability; 0 = off [0]. */
  minP?: number;
  /** Divide positive (multiply negative) logits of recently seen tokens by R; 1 = off [1]. */
  repeatPenalty?: number;
  /** Subtract this from the logit of every recently seen token; 0 = off [0]. */
  presencePenalty?: number;
  /** Subtract this × the count of each recently seen token; 0 = off [0]. */
  frequencyPenalty?: number;
  /** How many recent tokens of the session (prompt included) the penalties look at; -1 = all, 0 = none [64]. */
  penaltyLastN?: number;
  /** Seed of the generation, an integer in [0, 2^32); the same seed and inputs give the same tokens [random]. */
  seed?: number;
}

/** {@link SamplingOptions} with every default filled in. */
export type ResolvedSampling = Required<SamplingOptions>;

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message);
}

function num(o: SamplingOptions, key: keyof SamplingOptions, def: number, ok: (v: number) => boolean, rule: string): number {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw invalid(`sampling.${key} must be ${rule} (got ${String(v)})`);
  return v;
}

/** Fills defaults and validates; throws EngineError INVALID_ARGUMENT naming the field. */
export function resolveSampling(o: SamplingOptions = {}): ResolvedSampling {
  const known = ['temperature', 'topK', 'topP', 'minP', 'repeatPenalty', 'presencePenalty', 'frequencyPenalty', 'penaltyLastN', 'seed'];
  for (const key of Object.keys(o)) if (!known.includes(key)) throw invalid(`unknown sampling option "${key}" (known: ${known.join(', ')})`);
  const int = (v: number) => Number.isInteger(v);
  return {
    temperature: num(o, 'temperature', 0, (v) => v >= 0, 'a number >= 0'),
    topK: num(o, 'topK', 0, (v) => int(v) && v >= 0, 'an integer >= 0'),
    topP: num(o, 'topP', 1, (v) => v > 0 && v <= 1, 'in (0, 1]'),
    minP: num(o, 'minP', 0, (v) => v >= 0 && v <= 1, 'in [0, 1]'),
    repeatPenalty: num(o, 'repeatPenalty', 1, (v) => v > 0, 'a number > 0'),
    presencePenalty: num(o, 'presencePenalty', 0, () => true, 'a finite number'),
    frequencyPenalty: num(o, 'frequencyPenalty', 0, () => true, 'a finite number'),
    penaltyLastN: num(o, 'penaltyLastN', 64, (v) => int(v) && v >= -1, 'an integer >= -1'),
    seed: num(o, 'seed', randomInt(0, 2 ** 32), (v) => int(v) && v >= 0 && v < 2 ** 32, 'an integer in [0, 2^32)'),
  };
}

/**
 * The native parameters of generation step `step` (0 = the first generated token): the options
 * with the seed replaced by a 32-bit mix of (seed, step) (a splitmix-style finalizer), so steps
 * draw independent numbers and the run depends only on the generation's seed.
 */
export function stepSampling(s: ResolvedSampling, step: number): NativeSamplingParams {
  let h = (s.seed ^ Math.imul(step + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return { ...s, seed: h };
}
