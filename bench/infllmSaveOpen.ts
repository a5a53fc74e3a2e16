/**
 * Worker part of the "infllm" suite: saving and opening a memory of the benchmark model. An
 * InfLLM session (paper settings, f16 or q8 blocks, RAM or disk tier) is filled to `tokens` with
 * the benchmark-only native fill and forked (the never-saved baseline), then:
 *   save: wall ms and bytes (the disk tier links its sealed segments instead of writing them);
 *   open (lazy verification): ms; then the first token after open (one greedy 1-token call,
 *   which verifies the checksums of the blocks it touches), then steps on the opened memory
 *   interleaved with steps on the baseline;
 *   open with every block verified: ms.
 * The saved files were just written, so the page cache is warm: cold-disk opens are not measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadBinding } from '../engine/binding/loadBinding.js';
import type { NativeBinding } from '../engine/binding/NativeBinding.js';
import type { NativeInfllmSettings, NativeKvType } from '../engine/binding/ModelBinding.js';
import { note, randomTokens, rssBytes } from './infllmCommon.js';
import { interleavedSteps } from './infllmSteps.js';

export interface SaveOpenTask {
  kind: 'saveopen';
  model: string;
  threads: number;
  tokens: number;
  kvType: NativeKvType;
  storage: 'ram' | 'disk';
  /** Folder for scratch segments and saved memories (removed afterwards). */
  scratchRoot: string;
  infllm: NativeInfllmSettings;
  seed: number;
}

export interface SaveOpenResult {
  task: SaveOpenTask;
  nBlocks: number;
  fillMs: number;
  /** Median wall ms of 4 steps on a fork that was never saved (interleaved with stepAfterOpenMs). */
  stepMs: number;
  saveMs: number;
  savedBytes: number;
  savedFiles: number;
  linkedFiles: number;
  openMs: number;
  /** The first 1-token call after a lazy open. */
  firstStepMs: number;
  /** Median wall ms of the 4 steps after it. */
  stepAfterOpenMs: number;
  openVerifyAllMs: number;
  bytesResidentAfterOpen: number;
  bytesMappedAfterOpen: number;
  rssAfterOpenBytes: number;
}

const now = (): number => performance.now();

/** Fill → save → open → first token; see the file comment. */
export async function runSaveOpenTask(task: SaveOpenTask): Promise<SaveOpenResult> {
  const binding = loadBinding() as NativeBinding;
  const model = await binding.modelLoad(task.model, { threads: task.threads });
  const root = mkdtempSync(join(task.scratchRoot, 'infllm-bench-saveopen-'));
  const settings = { ...task.infllm, kvType: task.kvType };
  const storage = task.storage === 'disk' ? { storage: 'disk' as const, storageDir: root } : {};
  const token = randomTokens(1, model.info().nVocab, task.seed)[0];
  const label = `save/open ${task.tokens} ${task.kvType} ${task.storage}`;
  try {
    const s = model.createSession({ attention: 'infllm', infllm: { ...settings, ...storage } });
    const fill = await binding._testing.bench.fillSyntheticContext(s, task.tokens, task.seed);
    const nBlocks = s.stats().nBlocks;
    const base = s.fork();
    const dir = join(root, 'memory');
    let t0 = now();
    const saved = await s.save(dir);
    const saveMs = now() - t0;
    s.dispose();
    t0 = now();
    const opened = await model.openSession(dir, { attention: 'infllm', infllm: settings, verify: 'lazy' });
    const openMs = now() - t0;
    const first = await opened.eval(Int32Array.of(token), { logits: 'last', sample: { temperature: 0 } });
    // Steady steps of the opened memory and of the never-saved fork, interleaved (same load).
    const [b, o] = await interleavedSteps([base, opened], 4, first.token ?? token);
    const st = opened.stats();
    const rssAfterOpenBytes = rssBytes();
    opened.dispose();
    base.dispose();
    t0 = now();
    const verified = await model.openSession(dir, { attention: 'infllm', infllm: settings, verify: 'full' });
    const openVerifyAllMs = now() - t0;
    verified.dispose();
    note(`${label}: save ${saveMs.toFixed(0)} ms, open ${openMs.toFixed(0)} ms, first step ${first.ms.toFixed(0)} ms`);
    return {
      task, nBlocks, fillMs: fill.ms, stepMs: b.medianWallMs, saveMs, savedBytes: saved.bytes, savedFiles: saved.files, linkedFiles: saved.linkedFiles,
      openMs, firstStepMs: first.ms, stepAfterOpenMs: o.medianWallMs, openVerifyAllMs,
      bytesResidentAfterOpen: st.bytesResident, bytesMappedAfterOpen: st.bytesMapped, rssAfterOpenBytes,
    };
  } finally {
    model.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}
