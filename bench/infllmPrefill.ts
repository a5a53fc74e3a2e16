/**
 * Worker part of the "infllm" suite: real prefill vs length. An InfLLM session and a
 * full-attention session of the benchmark model are fed the same random tokens in calls of
 * `callTokens`, alternating call by call so both see the same machine load; cumulative wall and CPU
 * time and the median call of each segment are recorded at every checkpoint. At the decode
 * checkpoints each prefilled session is forked and paired with a session brought to the same
 * context by the synthetic fill, and the four decode in interleaved rounds: decode cost after real
 * prefill vs after the fill the decode part uses for long contexts.
 */
import { loadBinding } from '../engine/binding/loadBinding.js';
import type { NativeInfllmSettings, NativeModel, NativeSession } from '../engine/binding/ModelBinding.js';
import type { NativeBinding } from '../engine/binding/NativeBinding.js';
import { median, note, randomTokens, timed } from './infllmCommon.js';
import { interleavedSteps, type DecodeTiming } from './infllmSteps.js';

export interface PrefillTask {
  kind: 'prefill';
  model: string;
  threads: number;
  infllm: NativeInfllmSettings;
  /** Ascending multiples of callTokens. */
  checkpoints: number[];
  /** Full attention only up to this length. */
  fullMaxContext: number;
  decodeAt: number[];
  rounds: number;
  callTokens: number;
  seed: number;
}

export interface PrefillPoint {
  context: number;
  /** Cumulative from the empty session. */
  wallMs: number;
  cpuMs: number;
  /** Median call of the segment since the previous checkpoint, per token. */
  segmentMedianWallMsPerToken: number;
  segmentMedianCpuMsPerToken: number;
}

export interface PrefillDecode {
  context: number;
  real: { infllm: DecodeTiming; full?: DecodeTiming };
  synthetic: { infllm: DecodeTiming; full?: DecodeTiming };
}

export interface PrefillResult {
  task: PrefillTask;
  infllm: PrefillPoint[];
  full: PrefillPoint[];
  decode: PrefillDecode[];
}

/** One prefilled session and its bookkeeping. */
class Fed {
  wall = 0;
  cpu = 0;
  seg: { wall: number[]; cpu: number[] } = { wall: [], cpu: [] };
  points: PrefillPoint[] = [];
  constructor(readonly session: NativeSession) {}
  async feed(tokens: Int32Array): Promise<void> {
    const t = await timed(() => this.session.eval(tokens, { logits: 'none' }));
    this.wall += t.value.ms;
    this.cpu += t.cpuMs;
    this.seg.wall.push(t.value.ms / tokens.length);
    this.seg.cpu.push(t.cpuMs / tokens.length);
  }
  checkpoint(context: number): void {
    this.points.push({ context, wallMs: this.wall, cpuMs: this.cpu, segmentMedianWallMsPerToken: median(this.seg.wall), segmentMedianCpuMsPerToken: median(this.seg.cpu) });
    this.seg = { wall: [], cpu: [] };
  }
}

async function decodeAt(binding: NativeBinding, model: NativeModel, task: PrefillTask, fed: (Fed | undefined)[], context: number): Promise<PrefillDecode> {
  const sessions: NativeSession[] = [];
  try {
    for (const f of fed) if (f) sessions.push(f.session.fork());
    const synth = [model.createSession({ attention: 'infllm', infllm: task.infllm })];
    if (fed[1]) synth.push(model.createSession({ attention: 'full', nCtx: context + task.rounds + 8 }));
    sessions.push(...synth);
    for (const s of synth) await binding._testing.bench.fillSyntheticContext(s, context, task.seed);
    const t = await interleavedSteps(sessions, task.rounds, randomTokens(1, model.info().nVocab, task.seed + 1)[0]);
    const half = sessions.length / 2;
    return { context, real: { infllm: t[0], full: half > 1 ? t[1] : undefined }, synthetic: { infllm: t[half], full: half > 1 ? t[half + 1] : undefined } };
  } finally {
    for (const s of sessions) s.dispose();
  }
}

/** Alternating prefill with checkpoints and decode comparisons; see the file comment. */
export async function runPrefillTask(task: PrefillTask): Promise<PrefillResult> {
  const binding = loadBinding() as NativeBinding;
  const model = await binding.modelLoad(task.model, { threads: task.threads });
  const nVocab = model.info().nVocab;
  const fullLast = Math.max(0, ...task.checkpoints.filter((n) => n <= task.fullMaxContext));
  const infllm = new Fed(model.createSession({ attention: 'infllm', infllm: task.infllm }));
  const full = fullLast > 0 ? new Fed(model.createSession({ attention: 'full', nCtx: fullLast + task.rounds + 8 })) : undefined;
  const decode: PrefillDecode[] = [];
  try {
    let fedTokens = 0;
    for (const context of task.checkpoints) {
      const withFull = full && context <= fullLast ? full : undefined;
      for (; fedTokens < context; fedTokens += task.callTokens) {
        const tokens = randomTokens(task.callTokens, nVocab, task.seed + fedTokens);
        await infllm.feed(tokens);
        if (withFull) await withFull.feed(tokens);
      }
      infllm.checkpoint(context);
      withFull?.checkpoint(context);
      const last = (f: Fed | undefined) => f?.points[f.points.length - 1];
      note(`prefill ${context}: InfLLM ${(infllm.wall / 1000).toFixed(0)} s${withFull ? `, full ${(last(withFull)!.wallMs / 1000).toFixed(0)} s` : ''}`);
      if (task.decodeAt.includes(context)) decode.push(await decodeAt(binding, model, task, [infllm, withFull], context));
    }
    return { task, infllm: infllm.points, full: full?.points ?? [], decode };
  } finally {
    infllm.session.dispose();
    full?.session.dispose();
    model.dispose();
  }
}
