/**
 * Decode timing for the "infllm" suite on a shared, noisy machine: one greedy 1-token step on every
 * session in turn, round after round (round 0 is a warm-up and dropped), so that sessions compared
 * with each other (contexts, InfLLM vs full attention, real vs synthetic) see the same load. A
 * comparison is then the median over rounds of the per-round ratio.
 */
import type { NativeSession } from '../engine/binding/ModelBinding.js';
import { median, timed } from './infllmCommon.js';

/** Per-round samples of one session (index = round, warm-up excluded). */
export interface StepSamples {
  /** Native wall ms of the step. */
  wallMs: number[];
  /** Process CPU ms (all threads) of the step. */
  cpuMs: number[];
}

/** Medians of a session's samples. */
export interface DecodeTiming extends StepSamples {
  medianWallMs: number;
  medianCpuMs: number;
}

/** Runs `rounds` timed rounds (after one warm-up round) over `sessions`; see the file comment. */
export async function interleavedSteps(sessions: NativeSession[], rounds: number, firstToken: number): Promise<DecodeTiming[]> {
  const samples: StepSamples[] = sessions.map(() => ({ wallMs: [], cpuMs: [] }));
  const next = sessions.map(() => firstToken);
  for (let r = 0; r <= rounds; r++) {
    for (const [i, s] of sessions.entries()) {
      const t = await timed(() => s.eval(Int32Array.of(next[i]), { logits: 'last', sample: { temperature: 0 } }));
      next[i] = t.value.token ?? next[i];
      if (r === 0) continue;
      samples[i].wallMs.push(t.value.ms);
      samples[i].cpuMs.push(t.cpuMs);
    }
  }
  return samples.map((s) => ({ ...s, medianWallMs: median(s.wallMs), medianCpuMs: median(s.cpuMs) }));
}

/** Median over rounds of a[i] / b[i] (NaN when either is missing). */
export function ratioOfRounds(a: StepSamples | undefined, b: StepSamples | undefined, key: keyof StepSamples): number {
  if (!a || !b) return NaN;
  const n = Math.min(a[key].length, b[key].length);
  return median(Array.from({ length: n }, (_, i) => a[key][i] / b[key][i]));
}
