/**
 * Worker part of the "infllm" suite: memory vs length. One session of the benchmark model (InfLLM
 * with a given block type and storage tier, or full attention) is brought to increasing contexts
 * by the benchmark-only native fill (binding._testing.bench.fillSyntheticContext); at each one the
 * memory's own stats (bytes resident, bytes mapped, blocks) and the process RSS are recorded, and a
 * few decode steps are timed on a fork (indicative only: not interleaved with other configurations).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadBinding } from '../engine/binding/loadBinding.js';
import type { NativeInfllmSettings } from '../engine/binding/ModelBinding.js';
import type { NativeBinding } from '../engine/binding/NativeBinding.js';
import { note, randomTokens, rssBytes } from './infllmCommon.js';
import { interleavedSteps, type DecodeTiming } from './infllmSteps.js';

export interface MemoryTask {
  kind: 'memory';
  model: string;
  threads: number;
  attention: 'infllm' | 'full';
  /** InfLLM settings (kvType included). */
  infllm?: NativeInfllmSettings;
  /** InfLLM block storage; 'disk' uses a scratch folder under `scratchRoot`. */
  storage: 'ram' | 'disk';
  scratchRoot: string;
  /** Ascending contexts. */
  contexts: number[];
  decodeSteps: number;
  seed: number;
}

export interface MemoryPoint {
  context: number;
  fillMs: number;
  nBlocks: number;
  bytesResident: number;
  bytesMapped: number;
  rssBytes: number;
  decode: DecodeTiming;
}

export interface MemoryResult {
  task: MemoryTask;
  /** RSS after the model was loaded (weights paged in), before any session. */
  rssAfterLoadBytes: number;
  points: MemoryPoint[];
}

/** Fill → stats → RSS at every context; see the file comment. */
export async function runMemoryTask(task: MemoryTask): Promise<MemoryResult> {
  const binding = loadBinding() as NativeBinding;
  const model = await binding.modelLoad(task.model, { threads: task.threads });
  const rssAfterLoadBytes = rssBytes();
  const scratch = task.storage === 'disk' ? mkdtempSync(join(task.scratchRoot, 'infllm-bench-tier-')) : undefined;
  const last = task.contexts[task.contexts.length - 1];
  const session =
    task.attention === 'full'
      ? model.createSession({ attention: 'full', nCtx: last + task.decodeSteps + 8 })
      : model.createSession({ attention: 'infllm', infllm: { ...task.infllm, ...(scratch ? { storage: 'disk', storageDir: scratch } : {}) } });
  const points: MemoryPoint[] = [];
  try {
    for (const [i, context] of task.contexts.entries()) {
      const fill = await binding._testing.bench.fillSyntheticContext(session, context - session.nPast(), task.seed + i);
      const st = session.stats();
      const rss = rssBytes();
      const fork = session.fork();
      const [decode] = await interleavedSteps([fork], task.decodeSteps, randomTokens(1, model.info().nVocab, task.seed)[0]);
      fork.dispose();
      points.push({ context, fillMs: fill.ms, nBlocks: st.nBlocks, bytesResident: st.bytesResident, bytesMapped: st.bytesMapped, rssBytes: rss, decode });
      note(`memory ${task.attention} ${task.infllm?.kvType ?? ''} ${task.storage} ${context}: resident ${(st.bytesResident / 2 ** 20).toFixed(0)} MiB, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
    }
  } finally {
    session.dispose();
    model.dispose();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  return { task, rssAfterLoadBytes, points };
}
