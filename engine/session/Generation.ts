/**
 * One run of Session.generate: feeds the prompt, then samples, reports and feeds one token at a
 * time until an end-of-generation token, a stop string, maxTokens, a full context, or an abort.
 * Text goes through a StreamingDetokenizer (complete UTF-8 only) and a StopMatcher. The last
 * sampled token is left pending in the SessionCore (it is fed by the next call), so the session
 * always holds prompt + generated ids. Lifecycle (locking, abort wiring) is Session's job.
 * @internal
 */
import type { NativeAbort, NativeEvalOptions, NativeEvalResult } from '../binding/ModelBinding.js';
import { EngineError } from '../errors.js';
import { StreamingDetokenizer } from '../model/tokenizer/StreamingDetokenizer.js';
import { logprobOf, topLogits } from './logitStats.js';
import { recordsAt } from './retrievalTrace.js';
import { resolveSampling, stepSampling, type ResolvedSampling } from './sampling.js';
import type { CallResult, FeedOptions, FeedResult, SessionCore } from './SessionCore.js';
import { StopMatcher } from './StopMatcher.js';
import type { GenerateOptions, GenerateResult, ModelCallEvent, RetrievalRecord, StopReason, TokenEvent } from './types.js';

/** {@link GenerateOptions} with defaults filled in and validated. */
export interface ResolvedGenerateOptions {
  maxTokens: number;
  sampling: ResolvedSampling;
  stop: readonly string[];
  stopOnEog: boolean;
  signal?: AbortSignal;
  stopOnAbort: boolean;
  onToken?: (event: TokenEvent) => void;
  onProgress?: (fraction: number) => void;
  trace: boolean;
  logprobs: boolean;
  topLogits: number;
  splitLast: boolean;
  prefillCallTokens?: number;
  onModelCall?: (event: ModelCallEvent) => void;
  callLogits: boolean;
}

/** Default of GenerateOptions.maxTokens. */
export const DEFAULT_MAX_TOKENS = 256;

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message);
}

/** Validates GenerateOptions; throws EngineError INVALID_ARGUMENT naming the field. */
export function resolveGenerateOptions(o: GenerateOptions = {}): ResolvedGenerateOptions {
  const maxTokens = o.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 0) throw invalid(`maxTokens must be an integer >= 0 (got ${String(o.maxTokens)})`);
  const k = o.topLogits ?? 0;
  if (!Number.isInteger(k) || k < 0) throw invalid(`topLogits must be an integer >= 0 (got ${String(o.topLogits)})`);
  if (o.stop !== undefined && !Array.isArray(o.stop)) throw invalid('stop must be an array of strings');
  if (o.onToken !== undefined && typeof o.onToken !== 'function') throw invalid('onToken must be a function');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw invalid('onProgress must be a function');
  if (o.onModelCall !== undefined && typeof o.onModelCall !== 'function') throw invalid('onModelCall must be a function');
  const pc = o.prefillCallTokens;
  if (pc !== undefined && (!Number.isInteger(pc) || pc < 1)) throw invalid(`prefillCallTokens must be an integer >= 1 (got ${String(pc)})`);
  const stop = [...(o.stop ?? [])];
  new StopMatcher(stop); // validates the strings
  return {
    maxTokens,
    sampling: resolveSampling(o.sampling),
    stop,
    stopOnEog: o.stopOnEog ?? true,
    signal: o.signal,
    stopOnAbort: o.stopOnAbort ?? false,
    onToken: o.onToken,
    onProgress: o.onProgress,
    trace: o.trace ?? false,
    logprobs: o.logprobs ?? false,
    topLogits: k,
    splitLast: o.splitLast ?? false,
    prefillCallTokens: pc,
    onModelCall: o.onModelCall,
    callLogits: o.callLogits ?? false,
  };
}

/** One generate() run over a SessionCore (see the file comment). @internal */
export class Generation {
  readonly ids: number[] = [];
  private text = '';
  private readonly detok: StreamingDetokenizer;
  private readonly matcher: StopMatcher;
  private readonly t0 = performance.now();
  private promptTokens: number;
  private prefillMs = 0;
  private decodeMs = 0;
  private decodeTokens = 0;
  private prefillRetrieval?: RetrievalRecord[];
  /** Model calls reported to onModelCall so far. */
  private nCalls = 0;

  constructor(
    private readonly core: SessionCore,
    private readonly prompt: readonly number[],
    private readonly o: ResolvedGenerateOptions,
    private readonly abort: NativeAbort,
  ) {
    // The generated ids continue the prompt: no leading-space removal.
    this.detok = new StreamingDetokenizer(core.tokenizer, { continuation: true });
    this.matcher = new StopMatcher(o.stop);
    this.promptTokens = core.pending.length + prompt.length;
  }

  async run(): Promise<GenerateResult> {
    const trace = this.o.trace && this.core.config.attention === 'infllm';
    const onProgress = this.o.onProgress;
    const prefill: FeedOptions = {
      splitLast: this.o.splitLast,
      exactCalls: this.o.prefillCallTokens,
      onCall: onProgress && ((done: number, total: number) => onProgress(done / total)),
      onResult: this.callReporter('prefill'),
    };
    if (this.o.maxTokens === 0) {
      const logits = this.o.callLogits && this.o.onModelCall ? 'last' : 'none';
      this.prefillMs = (await this.core.feed(this.prompt, { logits, trace }, this.abort, prefill)).ms;
      return this.result('length');
    }
    let fed = await this.core.feed(this.prompt, this.evalOptions(0, trace), this.abort, prefill);
    this.prefillMs = fed.ms;
    this.prefillRetrieval = fed.records;
    for (let index = 0; ; index++) {
      const stop = this.accept(fed, index);
      if (stop) return this.result(stop);
      if (this.o.signal?.aborted) throw this.o.signal.reason;
      if (this.abort.aborted) throw new EngineError('CANCELLED', 'generation was cancelled');
      fed = await this.core.feed([], this.evalOptions(index + 1, trace), this.abort, { onResult: this.callReporter('decode') });
      this.decodeMs += fed.ms;
      this.decodeTokens++;
    }
  }

  /** feed()'s per-call hook that turns calls into ModelCallEvents (undefined without onModelCall). */
  private callReporter(kind: ModelCallEvent['kind']): FeedOptions['onResult'] {
    const on = this.o.onModelCall;
    if (!on) return undefined;
    return {
      wantLogits: this.o.callLogits,
      report: (c: CallResult) => {
        const ev: ModelCallEvent = { index: this.nCalls++, kind, begin: c.begin, end: c.end };
        if (this.o.callLogits && c.result.logits) ev.logits = c.result.logits;
        if (c.records) ev.retrieval = c.records;
        on(ev);
      },
    };
  }

  /** The result so far (for an abort with stopOnAbort): includes text still held back. */
  partialResult(): GenerateResult {
    this.text += this.matcher.push(this.detok.flush()).text + this.matcher.flush();
    return this.result('abort');
  }

  private evalOptions(step: number, trace: boolean): NativeEvalOptions {
    const logits = this.o.logprobs || this.o.topLogits > 0 || (this.o.callLogits && this.o.onModelCall) ? 'last' : 'none';
    return { logits, sample: stepSampling(this.o.sampling, step), trace };
  }

  /** Takes the sampled token of `fed`, reports it; returns why generation ends here, if it does. */
  private accept(fed: FeedResult, index: number): StopReason | undefined {
    const id = sampledToken(fed.result, this.core.nVocab);
    const pos = this.core.nPast - 1; // the position whose logits chose `id`
    this.core.pending = [id];
    this.ids.push(id);
    const eog = this.o.stopOnEog && this.core.tokenizer.isEog(id);
    const released = this.matcher.push(eog ? '' : this.detok.push(id));
    let text = released.text;
    let stop: StopReason | undefined = released.stopped ? 'stop' : eog ? 'eog' : undefined;
    if (!stop && (this.ids.length >= this.o.maxTokens || this.core.atCapacity())) stop = 'length';
    if (stop === 'eog' || stop === 'length') {
      const tail = this.matcher.push(this.detok.flush());
      text += tail.text;
      if (tail.stopped) stop = 'stop';
      else text += this.matcher.flush();
    }
    this.text += text;
    this.o.onToken?.(this.event(id, index, text, fed, pos));
    return stop;
  }

  private event(id: number, index: number, text: string, fed: FeedResult, pos: number): TokenEvent {
    const ev: TokenEvent = { id, index, text, timings: { ms: fed.ms, elapsedMs: performance.now() - this.t0 } };
    const logits = fed.result.logits;
    if (logits && this.o.logprobs) ev.logprob = logprobOf(logits, id);
    if (logits && this.o.topLogits > 0) ev.topLogits = topLogits(logits, this.o.topLogits);
    if (fed.records) ev.retrieval = recordsAt(fed.records, pos);
    return ev;
  }

  private result(stopReason: StopReason): GenerateResult {
    const perSecond = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : 0);
    const r: GenerateResult = {
      ids: [...this.ids],
      text: this.text,
      stopReason,
      timings: {
        promptTokens: this.promptTokens,
        prefillMs: this.prefillMs,
        prefillTokensPerSecond: perSecond(this.promptTokens, this.prefillMs),
        decodeTokens: this.decodeTokens,
        decodeMs: this.decodeMs,
        decodeTokensPerSecond: perSecond(this.decodeTokens, this.decodeMs),
      },
    };
    if (this.prefillRetrieval) r.prefillRetrieval = this.prefillRetrieval;
    return r;
  }
}

/** The sampled token of a native result, checked. */
function sampledToken(result: NativeEvalResult, nVocab: number): number {
  const id = result.token;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= nVocab) {
    throw new EngineError('INTERNAL', `the native sampler returned an invalid token (${String(id)})`);
  }
  return id;
}
