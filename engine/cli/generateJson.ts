/**
 * The `--json` output of `infllm generate`: one object with the generated ids and text, the top
 * logits per generated token, the per-step retrieval trace of InfLLM sessions (one step per model
 * call: prefill calls, then one decode call per fed token) and, with --dump-logits, every step's
 * last-position logits as base64 little-endian float32. Field names are snake_case; the format is
 * documented in docs/INFLLM.md §3.
 */
import type { GenerateResult, ModelCallEvent, RetrievalRecord, TokenEvent } from '../session/types.js';

/** One retrieval record: a layer's selection for one execution chunk. */
export interface RecordJson {
  layer: number;
  q_start: number;
  q_len: number;
  n_blocks: number;
  scored: boolean;
  init_len: number;
  tail_len: number;
  /** Selected blocks ascending by id; [begin, end) = [n_init + id·B, n_init + (id+1)·B); score null when unscored. */
  blocks: { id: number; begin: number; end: number; score: number | null }[];
}

/** One model call of the generation. */
export interface StepJson {
  step: number;
  kind: 'prefill' | 'decode';
  /** Positions [begin, end) fed by the call. */
  tokens: [number, number];
  /** Every (layer, execution chunk) retrieval of the call, layer-major, chunks in order. */
  records: RecordJson[];
}

/** The logits of one step's last position. */
export interface StepLogitsJson {
  step: number;
  tokens: [number, number];
  /** [nVocab] float32, little-endian, base64. */
  logits_b64: string;
}

export function recordJson(r: RetrievalRecord): RecordJson {
  return {
    layer: r.layer,
    q_start: r.qStart,
    q_len: r.qLen,
    n_blocks: r.nBlocks,
    scored: r.scored,
    init_len: r.initLen,
    tail_len: r.tailLen,
    blocks: r.blocks,
  };
}

/** Base64 of a Float32Array's bytes (little-endian on every platform Node runs on here). */
export function f32Base64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

/** The steps of a traced generation. */
export function traceJson(calls: readonly ModelCallEvent[]): StepJson[] {
  return calls.map((c) => ({ step: c.index, kind: c.kind, tokens: [c.begin, c.end], records: (c.retrieval ?? []).map(recordJson) }));
}

/** The step logits (calls without logits are skipped). */
export function stepLogitsJson(calls: readonly ModelCallEvent[]): StepLogitsJson[] {
  return calls.flatMap((c) => (c.logits ? [{ step: c.index, tokens: [c.begin, c.end] as [number, number], logits_b64: f32Base64(c.logits) }] : []));
}

/** The whole --json object. `traced`: InfLLM session; `dumpLogits`: add step_logits. */
export function generateJson(r: GenerateResult, events: readonly TokenEvent[], calls: readonly ModelCallEvent[], traced: boolean, dumpLogits: boolean) {
  const t = r.timings;
  return {
    ids: r.ids,
    text: r.text,
    stop_reason: r.stopReason,
    top_logits: events.map((e) => e.topLogits ?? []),
    trace: traced ? traceJson(calls) : null,
    ...(dumpLogits ? { step_logits: stepLogitsJson(calls) } : {}),
    timings: {
      prompt_tokens: t.promptTokens,
      prefill_ms: t.prefillMs,
      prefill_tokens_per_second: t.prefillTokensPerSecond,
      decode_tokens: t.decodeTokens,
      decode_ms: t.decodeMs,
      decode_tokens_per_second: t.decodeTokensPerSecond,
    },
  };
}
