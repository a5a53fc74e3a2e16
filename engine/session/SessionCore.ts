/**
 * The state a session keeps around its native handle: how many tokens the native side holds
 * (nPast), the tokens known to follow but not yet fed (`pending`: the last sampled token), and
 * feed(), which runs pending + new tokens through the model in planned calls. A cancelled or
 * failed call leaves the native state as before that call (native contract); feed() then keeps
 * nPast and pending consistent with what was really fed.
 * @internal
 */
import type {
  ModelBinding, NativeAbort, NativeEvalOptions, NativeEvalResult, NativeInfllmSettings, NativeInfllmStorage, NativeSession,
} from '../binding/ModelBinding.js';
import { EngineError, wrapNative, wrapNativeAsync } from '../errors.js';
import type { LlamaTokenizer } from '../model/tokenizer/Tokenizer.js';
import { infllmBlockRange, type InfllmSettings } from './infllmSettings.js';
import { planCalls } from './prefillPlan.js';
import { retrievalRecords } from './retrievalTrace.js';
import type { RetrievalRecord } from './types.js';

/** Resolved configuration of one session (shared by its forks). */
export interface SessionConfig {
  attention: 'full' | 'infllm';
  /** Full attention: capacity in tokens. */
  nCtx?: number;
  /** InfLLM: settings with defaults filled in. */
  infllm?: Required<InfllmSettings>;
  /** Largest prefill call (before InfLLM chunk rounding). */
  maxCallTokens: number;
  /** InfLLM: folder of the disk tier (absent: blocks in RAM). */
  storageDir?: string;
}

/** The native InfLLM settings of a config (storage included). @internal */
export function nativeInfllmSettings(config: SessionConfig): NativeInfllmSettings & NativeInfllmStorage {
  if (!config.infllm) throw new EngineError('INTERNAL', 'not an InfLLM configuration');
  return config.storageDir === undefined ? { ...config.infllm } : { ...config.infllm, storage: 'disk', storageDir: config.storageDir };
}

/** What feed() returns. */
export interface FeedResult {
  /** The last call's native result. */
  result: NativeEvalResult;
  /** Wall time of all calls, ms. */
  ms: number;
  /** Retrieval records of all calls, in execution order (when the last options asked for a trace). */
  records?: RetrievalRecord[];
}

/** One model call made by feed(), as {@link FeedOptions.onResult} sees it. */
export interface CallResult {
  /** Positions [begin, end) fed by the call. */
  begin: number;
  end: number;
  result: NativeEvalResult;
  /** The call's retrieval records (when traced). */
  records?: RetrievalRecord[];
}

/** How feed() cuts and reports its calls. */
export interface FeedOptions {
  /** Feed the last token in a call of its own. */
  splitLast?: boolean;
  /** Calls of exactly this many tokens (chunk alignment ignored); default: the session's plan. */
  exactCalls?: number;
  /** After each call: tokens fed so far and in all. */
  onCall?: (done: number, total: number) => void;
  /** After each call, its result; `wantLogits`: every call (not only the last) returns its last logits. */
  onResult?: { wantLogits: boolean; report: (call: CallResult) => void };
}

/** nPast, pending tokens and feed() around one native session. @internal */
export class SessionCore {
  /** Tokens the native session holds. */
  nPast: number;
  /** Tokens that follow the held ones but have not been fed yet. */
  pending: number[];

  constructor(
    readonly native: NativeSession,
    readonly binding: ModelBinding,
    readonly tokenizer: LlamaTokenizer,
    readonly nVocab: number,
    readonly config: SessionConfig,
    state: { nPast: number; pending: number[] } = { nPast: 0, pending: [] },
  ) {
    this.nPast = state.nPast;
    this.pending = [...state.pending];
  }

  /** True while a native eval of this session runs (the native session then refuses stats, fork, clear). */
  private evalRunning = false;
  private lastStats = { nBlocks: 0, bytesResident: 0, bytesMapped: 0 };

  /** Memory use of the native session; while an eval runs, the value from before it. */
  memoryStats(): { nBlocks: number; bytesResident: number; bytesMapped: number } {
    if (!this.evalRunning) {
      const s = wrapNative(() => this.native.stats());
      this.lastStats = { nBlocks: s.nBlocks, bytesResident: s.bytesResident, bytesMapped: s.bytesMapped };
    }
    return { ...this.lastStats };
  }

  /** True when the session cannot take its pending tokens any more (full attention at capacity). */
  atCapacity(): boolean {
    return this.config.nCtx !== undefined && this.nPast + this.pending.length > this.config.nCtx;
  }

  /** Token positions [begin, end) of InfLLM block b. */
  readonly blockRange = (block: number): [number, number] => {
    if (!this.config.infllm) throw new EngineError('INTERNAL', 'retrieval trace from a full-attention session');
    return infllmBlockRange(this.config.infllm, block);
  };

  /**
   * Feeds pending + `tokens`. Every call but the last returns no logits; the last call uses
   * `last`. `onCall(done, total)` runs after each call. On error the fed calls stay fed, the
   * unfed part of the old pending tokens stays pending and the unfed new tokens are dropped.
   * @throws EngineError INVALID_ARGUMENT when there is nothing to feed or it would overflow nCtx
   */
  async feed(
    tokens: readonly number[],
    last: NativeEvalOptions,
    abort: NativeAbort,
    options: FeedOptions = {},
  ): Promise<FeedResult> {
    const input = this.pending.length > 0 ? [...this.pending, ...tokens] : tokens;
    this.checkFits(input.length);
    const calls = planCalls(input.length, {
      maxCall: this.config.maxCallTokens,
      chunk: this.config.infllm?.chunk,
      splitLast: options.splitLast,
      exact: options.exactCalls,
    });
    const oldPending = this.pending;
    const records: RetrievalRecord[] = [];
    let done = 0;
    let ms = 0;
    let result: NativeEvalResult | undefined;
    try {
      for (let c = 0; c < calls.length; c++) {
        const opts: NativeEvalOptions =
          c === calls.length - 1 ? last : { logits: options.onResult?.wantLogits ? 'last' : 'none', trace: last.trace };
        // [calls[c]] token ids of this call
        const ids = Int32Array.from(input.slice(done, done + calls[c]));
        const t0 = performance.now();
        this.evalRunning = true;
        try {
          result = await wrapNativeAsync(this.native.eval(ids, opts, abort));
        } finally {
          this.evalRunning = false;
        }
        ms += performance.now() - t0;
        const begin = this.nPast;
        done += calls[c];
        this.nPast = wrapNative(() => this.native.nPast());
        this.memoryStats(); // refreshes the value reported while the next call runs
        const callRecords = result.trace ? retrievalRecords(result.trace, this.blockRange) : undefined;
        if (callRecords) records.push(...callRecords);
        options.onResult?.report({ begin, end: this.nPast, result, records: callRecords });
        options.onCall?.(done, input.length);
      }
    } finally {
      this.pending = done < oldPending.length ? oldPending.slice(done) : [];
    }
    return { result: result as NativeEvalResult, ms, records: last.trace ? records : undefined };
  }

  private checkFits(n: number): void {
    if (n === 0) {
      throw new EngineError('INVALID_ARGUMENT', 'nothing to evaluate: the prompt is empty and no token is pending');
    }
    const cap = this.config.nCtx;
    if (cap !== undefined && this.nPast + n > cap) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `${n} tokens do not fit in the context: the session holds ${this.nPast} of ${cap} tokens`,
      );
    }
  }
}
