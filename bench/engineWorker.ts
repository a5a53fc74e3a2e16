/**
 * One measurement of the engine benchmark, run in its own process so that peak RSS belongs to one
 * model: `node dist/bench/engineWorker.js <config-json>`. Loads the model, times prefill of a
 * random prompt and greedy decoding through the public API (best of `reps`), records peak RSS,
 * then (if the addon has `_testing.model.evalTensors`) times the gaps between the named
 * intermediate tensors of one prefill and a few decode steps: where the time goes, per op.
 * Prints one JSON object on stdout.
 */
import type { ModelTestingBinding, NativeEvalOptions, NativeSession } from '../engine/binding/ModelBinding.js';
import { loadBinding } from '../engine/binding/loadBinding.js';
import { Model } from '../engine/model/Model.js';

/** What the parent passes. */
export interface WorkerConfig {
  path: string;
  threads: number;
  promptTokens: number;
  decodeTokens: number;
  reps: number;
  /** Decode steps timed tensor by tensor. */
  breakdownSteps: number;
}

/** What the worker prints. */
export interface WorkerResult {
  loadMs: number;
  prefillMs: number;
  decodeMs: number;
  decodeTokens: number;
  maxRssBytes: number;
  /** Milliseconds attributed to each named tensor (the gap since the previous one), summed over layers. */
  breakdown?: { prefill: Record<string, number>; decodePerToken: Record<string, number> };
}

/** Seeded prompt ids in [3, nVocab) (skips the usual special ids). */
function randomPrompt(n: number, nVocab: number): number[] {
  let s = 12345;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return 3 + (s % (nVocab - 3));
  });
}

/** Times the gaps between the tensor callbacks of one eval; adds them to `into` by tensor name. */
async function timeTensors(
  testing: ModelTestingBinding['_testing']['model'],
  session: NativeSession,
  tokens: number[],
  options: NativeEvalOptions,
  names: string[] | undefined,
  into: Record<string, number>,
): Promise<void> {
  let last = process.hrtime.bigint();
  const onTensor = (name: string) => {
    const now = process.hrtime.bigint();
    into[name] = (into[name] ?? 0) + Number(now - last) / 1e6;
    last = process.hrtime.bigint(); // the callback's own time is not charged to the next op
  };
  await testing.evalTensors(session, Int32Array.from(tokens), options, { names, onTensor });
  into['(after last tensor)'] = (into['(after last tensor)'] ?? 0) + Number(process.hrtime.bigint() - last) / 1e6;
}

async function breakdown(cfg: WorkerConfig, prompt: number[]): Promise<WorkerResult['breakdown']> {
  const binding = loadBinding() as unknown as Partial<ModelTestingBinding> & ReturnType<typeof loadBinding>;
  const testing = binding._testing?.model;
  if (!testing?.evalTensors) return undefined;
  const native = await (binding as unknown as import('../engine/binding/ModelBinding.js').ModelBinding).modelLoad(cfg.path, { threads: cfg.threads });
  try {
    // Prefill: a few coarse points only (each callback copies [n_tokens, n_embd] floats).
    const prefill: Record<string, number> = {};
    const s1 = native.createSession({ attention: 'full', nCtx: cfg.promptTokens + cfg.breakdownSteps + 8 });
    const coarse = ['attn_norm', 'Vcur', 'kqv_out', 'attn_out', 'ffn_norm', 'ffn_out', 'l_out', 'result_norm', 'result_output'];
    await timeTensors(testing, s1, prompt, { logits: 'last' }, coarse, prefill);
    // Decode: every named tensor.
    const decode: Record<string, number> = {};
    let token = prompt[0];
    for (let i = 0; i < cfg.breakdownSteps; i++) {
      const r = await s1.eval(Int32Array.of(token), { logits: 'none', sample: { temperature: 0 } });
      token = r.token ?? token;
      await timeTensors(testing, s1, [token], { logits: 'last' }, undefined, decode);
    }
    for (const k of Object.keys(decode)) decode[k] /= cfg.breakdownSteps;
    s1.dispose();
    return { prefill, decodePerToken: decode };
  } finally {
    native.dispose();
  }
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]) as WorkerConfig;
  const t0 = performance.now();
  const model = await Model.load(cfg.path, { threads: cfg.threads });
  const loadMs = performance.now() - t0;
  const prompt = randomPrompt(cfg.promptTokens, model.info.nVocab);
  let prefillMs = Infinity;
  let decodeMs = Infinity;
  let decodeTokens = 0;
  for (let rep = 0; rep < cfg.reps; rep++) {
    const session = model.createSession({ nCtx: cfg.promptTokens + cfg.decodeTokens + 8, maxCallTokens: cfg.promptTokens });
    const r = await session.generate(prompt, { maxTokens: cfg.decodeTokens, stopOnEog: false });
    prefillMs = Math.min(prefillMs, r.timings.prefillMs);
    if (r.timings.decodeMs < decodeMs) {
      decodeMs = r.timings.decodeMs;
      decodeTokens = r.timings.decodeTokens;
    }
    await session.dispose();
  }
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  await model.dispose();
  const result: WorkerResult = { loadMs, prefillMs, decodeMs, decodeTokens, maxRssBytes };
  if (cfg.breakdownSteps > 0) result.breakdown = await breakdown(cfg, prompt);
  process.stdout.write(JSON.stringify(result) + '\n');
}

await main();
