/**
 * Worker part of the "infllm" suite: one session (InfLLM or full attention) of the benchmark model
 * brought to increasing contexts, either by real prefill (random tokens in calls of `callTokens`,
 * cumulative wall and CPU time recorded at every checkpoint) or by the benchmark-only native fill
 * (binding._testing.bench.fillSyntheticContext: random keys/values through the memory's own
 * bookkeeping, no model compute). At each checkpoint: the memory's own stats, process RSS, and
 * optionally the decode step time, measured on a fork so the context stays exactly the checkpoint
 * (first step dropped as warm-up, median of the rest).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadBinding } from '../engine/binding/loadBinding.js';
import type { NativeBinding } from '../engine/binding/NativeBinding.js';
import type { NativeInfllmSettings, NativeKvType, NativeSession } from '../engine/binding/ModelBinding.js';
import { median, note, randomTokens, rssBytes, timed } from './infllmCommon.js';

/** What the parent asks for. */
export interface ContextTask {
  kind: 'context';
  model: string;
  threads: number;
  attention: 'infllm' | 'full';
  route: 'real' | 'synthetic';
  /** InfLLM settings (paper defaults for absent keys). */
  infllm?: NativeInfllmSettings;
  /** InfLLM block storage; 'disk' uses a scratch folder under `scratchRoot`. */
  storage?: 'ram' | 'disk';
  scratchRoot?: string;
  /** Ascending contexts; the real route needs multiples of callTokens. */
  checkpoints: number[];
  /** Checkpoints at which decode is timed. */
  decodeAt: number[];
  /** Timed decode steps per checkpoint (one more is run first as warm-up). */
  decodeSteps: number;
  /** Real prefill: tokens per model call (the Session default, 512). */
  callTokens: number;
  seed: number;
}

/** One decode measurement. */
export interface DecodeTiming {
  /** Median wall ms of a 1-token step (native call time). */
  wallMs: number;
  /** Median process CPU ms of a step (all threads): less sensitive to other load. */
  cpuMs: number;
  wallSamples: number[];
  cpuSamples: number[];
}

export interface ContextPoint {
  context: number;
  /** Real route: cumulative prefill time from an empty session to this context. */
  prefillWallMs?: number;
  prefillCpuMs?: number;
  /** Synthetic route: time of the fill from the previous checkpoint. */
  fillMs?: number;
  decode?: DecodeTiming;
  nBlocks: number;
  bytesResident: number;
  bytesMapped: number;
  rssBytes: number;
}

export interface ContextResult {
  task: ContextTask;
  loadMs: number;
  /** RSS after the model was loaded (weights paged in), before any session. */
  rssAfterLoadBytes: number;
  points: ContextPoint[];
}

async function timeDecode(session: NativeSession, steps: number, nVocab: number, seed: number): Promise<DecodeTiming> {
  const fork = session.fork();
  try {
    const wall: number[] = [];
    const cpu: number[] = [];
    let token = randomTokens(1, nVocab, seed)[0];
    for (let i = 0; i <= steps; i++) {
      const t = await timed(() => fork.eval(Int32Array.of(token), { logits: 'last', sample: { temperature: 0 } }));
      token = t.value.token ?? token;
      if (i === 0) continue; // warm-up
      wall.push(t.value.ms);
      cpu.push(t.cpuMs);
    }
    return { wallMs: median(wall), cpuMs: median(cpu), wallSamples: wall, cpuSamples: cpu };
  } finally {
    fork.dispose();
  }
}

function point(session: NativeSession, context: number): ContextPoint {
  const st = session.stats();
  if (st.nTokens !== context) throw new Error(`session holds ${st.nTokens} tokens, expected ${context}`);
  return { context, nBlocks: st.nBlocks, bytesResident: st.bytesResident, bytesMapped: st.bytesMapped, rssBytes: rssBytes() };
}

function sessionOptions(task: ContextTask, scratch: string | undefined) {
  if (task.attention === 'full') {
    const last = task.checkpoints[task.checkpoints.length - 1];
    return { attention: 'full' as const, nCtx: last + task.decodeSteps + 8 };
  }
  const storage = scratch ? { storage: 'disk' as const, storageDir: scratch } : {};
  return { attention: 'infllm' as const, infllm: { ...task.infllm, ...storage } };
}

/** Brings one session through the task's checkpoints; see the file comment. */
export async function runContextTask(task: ContextTask): Promise<ContextResult> {
  const binding = loadBinding() as NativeBinding;
  const t0 = performance.now();
  const model = await binding.modelLoad(task.model, { threads: task.threads });
  const loadMs = performance.now() - t0;
  const rssAfterLoadBytes = rssBytes();
  const nVocab = model.info().nVocab;
  const scratch = task.storage === 'disk' ? mkdtempSync(join(task.scratchRoot!, 'infllm-bench-tier-')) : undefined;
  const session = model.createSession(sessionOptions(task, scratch));
  const points: ContextPoint[] = [];
  const label = `${task.attention}${task.infllm?.kvType ? ` ${task.infllm.kvType}` : ''}${scratch ? ' disk' : ''} ${task.route}`;
  try {
    let wall = 0;
    let cpu = 0;
    for (const [i, context] of task.checkpoints.entries()) {
      const p: Partial<ContextPoint> = {};
      const n = context - session.nPast();
      if (task.route === 'real') {
        for (let fed = 0; fed < n; fed += task.callTokens) {
          const tokens = randomTokens(Math.min(task.callTokens, n - fed), nVocab, task.seed + session.nPast());
          const t = await timed(() => session.eval(tokens, { logits: 'none' }));
          wall += t.value.ms;
          cpu += t.cpuMs;
        }
        Object.assign(p, { prefillWallMs: wall, prefillCpuMs: cpu });
      } else if (n > 0) {
        p.fillMs = (await binding._testing.bench.fillSyntheticContext(session, n, task.seed + i)).ms;
      }
      const pt = { ...point(session, context), ...p };
      if (task.decodeAt.includes(context)) pt.decode = await timeDecode(session, task.decodeSteps, nVocab, task.seed + 7 * i);
      note(`${label} ${context}: ${pt.prefillWallMs !== undefined ? `prefill ${(pt.prefillWallMs / 1000).toFixed(1)} s, ` : ''}` +
        `${pt.decode ? `decode ${pt.decode.wallMs.toFixed(1)} ms (cpu ${pt.decode.cpuMs.toFixed(1)})` : ''}`);
      points.push(pt);
    }
  } finally {
    session.dispose();
    model.dispose();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  return { task, loadMs, rssAfterLoadBytes, points };
}

/** Settings label for tables. */
export function kvLabel(kv: NativeKvType | undefined): string {
  return kv ?? 'f16';
}
