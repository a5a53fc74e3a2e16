/**
 * The official-InfLLM golden files (../shared/golden/infllm/*.json, format infllm-golden-v1; see
 * that folder's README §5) and a driver that replays one golden run through a native session:
 * the same model calls (one eval per `model_calls` entry), teacher-forced with the golden inputs,
 * collecting the last-position logits and the retrieval trace of every call.
 */
import { readFileSync } from 'node:fs';
import type { NativeInfllmSettings, NativeModel, NativeRetrievalTrace, NativeSessionOptions } from '../../engine/binding/ModelBinding.js';
import { decodeF32 } from './shared.js';

/** One official retrieval decision (README §5.3). */
export interface GoldenRetrieval {
  call: number;
  layer: number;
  q_start: number;
  q_len: number;
  num_global_block: number;
  mode: 'all' | 'topk';
  selected: number[];
  scores_b64?: string;
  margin?: number;
}

/** Layout of one execution chunk's global key buffer (README §5.4). */
export interface GoldenLayout {
  call: number;
  q_start: number;
  q_len: number;
  num_global_block: number;
  init_len: number;
  remainder_len: number;
  remainder_start_pos: number | null;
  double_counted_pairs: number;
}

export interface GoldenStep {
  step: number;
  pos: number;
  input_id: number;
  argmax: number;
  logits_b64: string;
}

export interface GoldenRun {
  prompt: string;
  flow: 'greedy_search' | 'single_call' | 'greedy_search_chunked';
  prompt_ids: number[];
  model_calls: [number, number][];
  intermediate_prefill_call_logits: { call: number; tokens: [number, number]; last_logits_b64: string }[];
  prefill_final_logits_b64: string;
  steps: GoldenStep[];
  generated_ids: number[];
  retrieval: GoldenRetrieval[];
  layout: GoldenLayout[];
  final_state: { num_global_block: number; init_len: number; length: number };
  min_retrieval_margin?: number;
}

export interface GoldenConfig {
  n_init: number;
  n_local: number;
  block_size: number;
  topk: number;
  repr_topk: number;
  exc_block_size: number;
  max_cached_block: number;
}

export interface GoldenInfllmFile {
  format: string;
  variant: string;
  config: GoldenConfig;
  runs: GoldenRun[];
}

export function readInfllmGolden(path: string): GoldenInfllmFile {
  return JSON.parse(readFileSync(path, 'utf8')) as GoldenInfllmFile;
}

/**
 * Our session settings for a golden config (max_cached_block never changes numbers, README §6.7).
 * Blocks in float32 like the official run (the engine default f16 moves logits by ~4e-3).
 */
export function settingsOf(c: GoldenConfig, compat: boolean): NativeInfllmSettings {
  return {
    nInit: c.n_init,
    nLocal: c.n_local,
    blockSize: c.block_size,
    topk: c.topk,
    reprTopk: c.repr_topk,
    chunk: c.exc_block_size,
    cache: c.max_cached_block,
    compat,
    kvType: 'f32',
  };
}

/** The token at absolute position p of a run: prompt tokens, then the golden (teacher-forced) step inputs. */
export function runTokens(run: GoldenRun): Int32Array {
  const ids = [...run.prompt_ids];
  for (const s of run.steps) if (s.pos >= ids.length) ids[s.pos] = s.input_id;
  return Int32Array.from(ids);
}

/** One retrieval record of a native trace, in the golden's vocabulary. */
export interface OurRetrieval
  extends Pick<GoldenRetrieval, 'call' | 'layer' | 'q_start' | 'q_len' | 'num_global_block' | 'mode' | 'selected'> {
  scores: number[];
  /** Initial tokens in the chunk's global branch. */
  initLen: number;
  /** Remainder-tail tokens in the chunk's global branch (the golden layout's remainder_len). */
  tailLen: number;
}

export interface Replay {
  /** Last-position logits of every call, [nVocab] each, in call order. */
  callLogits: Float32Array[];
  /** Records of every call, in execution order (call, then layer, then chunk as the trace gives them). */
  retrieval: OurRetrieval[];
  /** Session stats after the last call. */
  stats: { nTokens: number; nBlocks: number; initLen: number };
}

/** Converts a native trace into records tagged with `call`. */
export function traceRecords(t: NativeRetrievalTrace, call: number): OurRetrieval[] {
  const out: OurRetrieval[] = [];
  for (let i = 0; i < t.layer.length; i++) {
    const a = t.selOffsets[i], b = t.selOffsets[i + 1];
    out.push({
      call,
      layer: t.layer[i],
      q_start: t.qStart[i],
      q_len: t.qLen[i],
      num_global_block: t.nBlocks[i],
      mode: t.scored[i] ? 'topk' : 'all',
      selected: Array.from(t.selected.subarray(a, b)),
      scores: Array.from(t.scores.subarray(a, b)),
      initLen: t.initLen[i],
      tailLen: t.tailLen[i],
    });
  }
  return out;
}

/** Replays `run`'s model calls (teacher-forced) in a fresh session with `options`; only the first `nCalls` if given. */
export async function replayRun(model: NativeModel, run: GoldenRun, options: NativeSessionOptions, nCalls = run.model_calls.length): Promise<Replay> {
  const tokens = runTokens(run);
  const s = model.createSession(options);
  const callLogits: Float32Array[] = [];
  const retrieval: OurRetrieval[] = [];
  try {
    for (let c = 0; c < nCalls; c++) {
      const [a, b] = run.model_calls[c];
      const r = await s.eval(tokens.subarray(a, b), { logits: 'last', trace: options.attention === 'infllm' });
      callLogits.push(r.logits as Float32Array);
      if (r.trace) retrieval.push(...traceRecords(r.trace, c));
    }
    const { nTokens, nBlocks, initLen } = s.stats();
    return { callLogits, retrieval, stats: { nTokens, nBlocks, initLen } };
  } finally {
    s.dispose();
  }
}

/** The call whose last token is at position `pos` (steps and intermediate logits are keyed so). */
export function callEndingAt(run: GoldenRun, pos: number): number {
  const c = run.model_calls.findIndex(([, b]) => b === pos + 1);
  if (c < 0) throw new Error(`${run.prompt}/${run.flow}: no call ends at position ${pos}`);
  return c;
}


export const goldenScores = (r: GoldenRetrieval): Float32Array => decodeF32(r.scores_b64 ?? '');
export const goldenLogits = (b64: string): Float32Array => decodeF32(b64);
