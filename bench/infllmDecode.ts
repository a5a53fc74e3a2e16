/**
 * Worker part of the "infllm" suite: decode ms/token vs context. One InfLLM session and one
 * full-attention session of the benchmark model are brought to each context in turn by the
 * benchmark-only native fill (binding._testing.bench.fillSyntheticContext: random keys/values
 * through the memory's own bookkeeping, no model compute; decode cost does not depend on the
 * values), and a fork is kept at every context. Then all forks decode in interleaved rounds
 * (bench/infllmSteps.ts), so every ratio compares steps made under the same machine load.
 */
import { loadBinding } from '../engine/binding/loadBinding.js';
import type { NativeInfllmSettings, NativeSession } from '../engine/binding/ModelBinding.js';
import type { NativeBinding } from '../engine/binding/NativeBinding.js';
import { note, randomTokens } from './infllmCommon.js';
import { interleavedSteps, type DecodeTiming } from './infllmSteps.js';

export interface DecodeTask {
  kind: 'decode';
  model: string;
  threads: number;
  infllm: NativeInfllmSettings;
  /** Ascending contexts. */
  contexts: number[];
  /** Full attention only at contexts up to this (its f32 KV cache must fit). */
  fullMaxContext: number;
  rounds: number;
  seed: number;
}

export interface DecodePoint {
  attention: 'infllm' | 'full';
  context: number;
  /** Fill time from the previous context. */
  fillMs: number;
  nBlocks: number;
  timing: DecodeTiming;
}

export interface DecodeResult {
  task: DecodeTask;
  points: DecodePoint[];
}

/** Fills → forks → interleaved decode rounds; see the file comment. */
export async function runDecodeTask(task: DecodeTask): Promise<DecodeResult> {
  const binding = loadBinding() as NativeBinding;
  const model = await binding.modelLoad(task.model, { threads: task.threads });
  const fullContexts = task.contexts.filter((n) => n <= task.fullMaxContext);
  const last = fullContexts[fullContexts.length - 1] ?? 0;
  const roots: [DecodePoint['attention'], NativeSession | undefined][] = [
    ['infllm', model.createSession({ attention: 'infllm', infllm: task.infllm })],
    ['full', last > 0 ? model.createSession({ attention: 'full', nCtx: last + task.rounds + 8 }) : undefined],
  ];
  const forks: NativeSession[] = [];
  const points: Omit<DecodePoint, 'timing'>[] = [];
  try {
    for (const [attention, root] of roots) {
      if (!root) continue;
      for (const [i, context] of task.contexts.entries()) {
        if (attention === 'full' && context > last) break;
        const fill = await binding._testing.bench.fillSyntheticContext(root, context - root.nPast(), task.seed + i);
        note(`decode (${task.threads} thr): ${attention} filled to ${context} in ${(fill.ms / 1000).toFixed(1)} s`);
        points.push({ attention, context, fillMs: fill.ms, nBlocks: root.stats().nBlocks });
        forks.push(root.fork());
      }
      root.dispose();
    }
    const timings = await interleavedSteps(forks, task.rounds, randomTokens(1, model.info().nVocab, task.seed)[0]);
    return { task, points: points.map((p, i) => ({ ...p, timing: timings[i] })) };
  } finally {
    for (const f of forks) f.dispose();
    for (const [, r] of roots) r?.dispose(); // idempotent
    model.dispose();
  }
}
