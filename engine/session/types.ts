/**
 * The data types of the session API: options of sessions, generate and evaluate (each field
 * documented with its default), token events, results, timings and retrieval records. All
 * results are plain data (IPC-safe; typed arrays only where noted).
 */
import type { NativeRetrievalChunk } from '../binding/ModelBinding.js';
import type { InfllmSettings } from './infllmSettings.js';
import type { SamplingOptions } from './sampling.js';

/** Options of Model.createSession. */
export interface SessionOptions {
  /** 'full': a plain KV cache; 'infllm': InfLLM block memory ['full']. */
  attention?: 'full' | 'infllm';
  /** Full attention only: the most tokens the session holds [the model's nCtxTrain]. */
  nCtx?: number;
  /** InfLLM only: block-memory settings [the paper's, see InfllmSettings]. */
  infllm?: InfllmSettings;
  /**
   * InfLLM only: keep memory blocks on disk, in segment files inside this existing folder, read
   * through memory mappings (a memory larger than RAM works) [blocks in RAM]. The files go when no
   * session uses them any more; save() links them into the saved memory instead of copying.
   */
  storageDir?: string;
  /**
   * Largest model call while feeding a prompt, in tokens [512]. InfLLM rounds it down to a
   * multiple of `infllm.chunk` (at least one chunk). Smaller calls give finer progress; results
   * do not depend on it.
   */
  maxCallTokens?: number;
}

/**
 * Blocks one layer retrieved for one execution chunk (InfLLM sessions): the chunk (layer, qStart,
 * qLen, nBlocks, scored; see NativeRetrievalChunk) and what it attended.
 */
export interface RetrievalRecord extends NativeRetrievalChunk {
  /** The selected blocks, ascending by id, with the token positions [begin, end) each holds. */
  blocks: { id: number; begin: number; end: number; score: number | null }[];
  /** Initial tokens also attended (globally): positions [0, initLen). */
  initLen: number;
  /** Remainder tail also attended (globally): the tailLen positions ending at qStart + qLen − nLocal. */
  tailLen: number;
}

/** One model call of a generation (GenerateOptions.onModelCall). */
export interface ModelCallEvent {
  /** 0-based index among the generation's model calls. */
  index: number;
  /** 'prefill': the call fed prompt (or pending) tokens; 'decode': it fed one generated token. */
  kind: 'prefill' | 'decode';
  /** Positions [begin, end) the call fed. */
  begin: number;
  end: number;
  /** [nVocab] logits of the call's last position; with GenerateOptions.callLogits. */
  logits?: Float32Array;
  /** The call's retrieval records in execution order; with `trace` on an InfLLM session. */
  retrieval?: RetrievalRecord[];
}

/** Time spent on one token. */
export interface TokenTimings {
  /** Wall time of the model call(s) that produced this token's logits (prefill calls for token 0). */
  ms: number;
  /** Wall time since generate() started (queueing excluded). */
  elapsedMs: number;
}

/** One generated token, in order. */
export interface TokenEvent {
  id: number;
  /** 0-based index among the generated tokens. */
  index: number;
  /**
   * Text that became final with this token: complete UTF-8 only, stop-string candidates held back
   * until decided, "" for an end-of-generation token. Concatenated over events it equals the
   * result's text, except that an aborted generation's result also holds what was held back.
   */
  text: string;
  /** ln p(id) under the model's raw distribution (softmax of the logits, before sampling transforms); with `logprobs`. */
  logprob?: number;
  /** The `topLogits` highest raw logits, descending (ties: lower id first). */
  topLogits?: { id: number; logit: number }[];
  timings: TokenTimings;
  /** With `trace` on an InfLLM session: each layer's retrieval for the chunk holding the position that predicted this token. */
  retrieval?: RetrievalRecord[];
}

/** Options of Session.generate. */
export interface GenerateOptions {
  /** Most tokens to generate (integer ≥ 0) [256]. */
  maxTokens?: number;
  /** How tokens are chosen [greedy]. */
  sampling?: SamplingOptions;
  /** Stop when the text contains one of these; the stop string and what follows are not returned [[]]. */
  stop?: readonly string[];
  /** Stop at an end-of-generation token (EOS, EOT, end-of-turn) [true]. Its text is never returned. */
  stopOnEog?: boolean;
  /** Cancels the generation; takes effect within one layer of the running model call. */
  signal?: AbortSignal;
  /** Abort resolves with the text so far and stopReason 'abort' instead of rejecting with the signal's reason [false]. */
  stopOnAbort?: boolean;
  /** Prefill progress: fraction of the prompt fed, after each call, ending at 1. An exception from it ends the generation. */
  onProgress?: (fraction: number) => void;
  /** Called for every token, in order, before the next model call. An exception from it ends the generation with that error. */
  onToken?: (event: TokenEvent) => void;
  /** Record InfLLM retrieval (TokenEvent.retrieval, GenerateResult.prefillRetrieval) [false]. */
  trace?: boolean;
  /** Add TokenEvent.logprob [false]. */
  logprobs?: boolean;
  /** Add the K highest logits to every TokenEvent [0]. */
  topLogits?: number;
  /** Feed the prompt's last token in a call of its own, like InfLLM's reference driver [false]. */
  splitLast?: boolean;
  /**
   * Feed the prompt in calls of exactly this many tokens (the last one shorter), ignoring the
   * InfLLM chunk alignment of SessionOptions.maxCallTokens — the reference driver's `chunk_size`
   * (results depend on it, infllm-spec.md §2.3) [absent: the session's plan].
   */
  prefillCallTokens?: number;
  /** Called after every model call (prefill and decode), in order, before the token it sampled is reported. */
  onModelCall?: (event: ModelCallEvent) => void;
  /** Add ModelCallEvent.logits (makes every prefill call return its last logits) [false]. */
  callLogits?: boolean;
}

/** Where the time of a generation went. */
export interface GenerateTimings {
  /** Tokens fed before the first token was sampled (pending + prompt). */
  promptTokens: number;
  prefillMs: number;
  prefillTokensPerSecond: number;
  /** Single-token model calls after the first generated token. */
  decodeTokens: number;
  decodeMs: number;
  decodeTokensPerSecond: number;
}

/** Why generation ended. */
export type StopReason = 'eog' | 'stop' | 'length' | 'abort';

/** The final result of Session.generate. */
export interface GenerateResult {
  /** Every generated id, including a final end-of-generation token. */
  ids: number[];
  text: string;
  stopReason: StopReason;
  timings: GenerateTimings;
  /** With `trace` on an InfLLM session: every retrieval made while feeding the prompt, in execution order. */
  prefillRetrieval?: RetrievalRecord[];
}

/** Options of Session.evaluate. */
export interface EvaluateOptions {
  /** Return the last position's logits ('last') or nothing ['last']. */
  logits?: 'none' | 'last';
  signal?: AbortSignal;
  /** Fraction of the tokens fed so far, 0..1, after every call; the last call is 1. */
  onProgress?: (fraction: number) => void;
  /** Record InfLLM retrieval [false]. */
  trace?: boolean;
  /** Feed the last token in a call of its own [false]. */
  splitLast?: boolean;
}

/** The result of Session.evaluate. */
export interface EvaluateResult {
  /** [nVocab] logits of the last position fed (absent with logits 'none'). */
  logits?: Float32Array;
  /** Tokens the session now holds. */
  nPast: number;
  ms: number;
  retrieval?: RetrievalRecord[];
}

/** Session.stats(). */
export interface SessionStats {
  /** Tokens whose keys and values the session holds. */
  nPast: number;
  /** Tokens known to follow but not yet fed (the last generated token); fed first by the next call. */
  pending: number[];
  nBlocks: number;
  bytesResident: number;
  bytesMapped: number;
}

/** Options of Model.openSession: the settings the memory was saved with, plus how to open it. */
export interface OpenSessionOptions extends Omit<SessionOptions, 'attention' | 'nCtx'> {
  attention?: 'infllm';
  /** 'lazy': each block's checksum is verified on first use; 'full': every block at open ['lazy']. */
  verify?: 'lazy' | 'full';
}

/** What Session.save wrote. */
export interface SavedMemoryInfo {
  dir: string;
  /** Tokens in the memory (every token the session had, pending ones included). */
  nTokens: number;
  /** Memory blocks per layer. */
  nBlocks: number;
  /** Total size of the memory's files. */
  bytes: number;
  /** Hex SHA-256 of the settings that shape the memory's content (all InfLLM settings but cache). */
  settingsHash: string;
  ms: number;
}
