/**
 * A conversation state over a loaded model: the native session (full KV cache or InfLLM block
 * memory) plus generate / evaluate / fork / clear. Operations on one session are queued and run
 * one at a time in call order (a second generate waits; it never races and never fails with
 * BUSY). Cancellation: an AbortSignal sets the native abort flag, which the forward pass checks
 * between layers. After dispose() every method throws DisposedError; dispose during a generation
 * aborts it (it rejects with DisposedError) and frees the native memory once it has stopped.
 */
import type { ModelBinding, NativeAbort, NativeSession } from '../binding/ModelBinding.js';
import { EngineError, wrapNative, wrapNativeAsync } from '../errors.js';
import { isCancelled, linkAbort, throwIfAborted } from '../lifecycle/abort.js';
import { DisposeGuard } from '../lifecycle/DisposeGuard.js';
import { AsyncLock } from '../lifecycle/withLock.js';
import { Generation, resolveGenerateOptions, type ResolvedGenerateOptions } from './Generation.js';
import { SessionCore } from './SessionCore.js';
import { createTokenStream, type TokenStream } from './TokenStream.js';
import type { EvaluateOptions, EvaluateResult, GenerateOptions, GenerateResult, SavedMemoryInfo, SessionStats } from './types.js';

/** Who owns sessions (the Model): told when a session is made or disposed. @internal */
export interface SessionOwner {
  adopt(session: Session): void;
  release(session: Session): void;
}

/** A conversation state over a model; made by Model.createSession or Session.fork. See the file comment for queueing, abort and dispose. */
export class Session {
  /** @internal */
  private readonly core: SessionCore;
  private readonly guard = new DisposeGuard('session');
  private readonly lock = new AsyncLock();
  private activeAbort: NativeAbort | undefined;

  /** @internal Sessions are made by Model.createSession and Session.fork. */
  constructor(
    core: SessionCore,
    private readonly owner: SessionOwner,
  ) {
    this.core = core;
    owner.adopt(this);
  }

  /** 'full' or 'infllm'. */
  get attention(): 'full' | 'infllm' {
    return this.core.config.attention;
  }

  /** True once dispose() has been called. */
  get disposed(): boolean {
    return this.guard.disposed;
  }

  /**
   * Generates a continuation of `prompt` (token ids, or text: tokenized with BOS when the session
   * is empty, control-token texts parsed). Tokens pending from an earlier call are fed first.
   * Resolves when generation ends; see {@link GenerateOptions} for stopping, streaming and abort.
   * Queued behind running operations of this session.
   * @throws EngineError INVALID_ARGUMENT (bad options, token ids, prompt that does not fit),
   *   the signal's reason on abort (unless stopOnAbort), DisposedError when disposed.
   */
  generate(prompt: number[] | string, options: GenerateOptions = {}): Promise<GenerateResult> {
    this.guard.check();
    const o = resolveGenerateOptions(options);
    const tokens = this.promptTokens(prompt);
    return this.guard.run(() => this.queued(o.signal, o.stopOnAbort, () => this.runGeneration(tokens(), o)));
  }

  /**
   * {@link generate} as an async iterable of token events plus a `result` promise. Breaking out
   * of the loop stops the generation (the result then has stopReason 'abort').
   */
  generateStream(prompt: number[] | string, options: Omit<GenerateOptions, 'onToken'> = {}): TokenStream {
    this.guard.check();
    const o = resolveGenerateOptions(options);
    const tokens = this.promptTokens(prompt);
    return createTokenStream((onToken, stop) =>
      this.guard.run(() => this.queued(o.signal, o.stopOnAbort, () => this.runGeneration(tokens(), { ...o, onToken }, stop))),
    );
  }

  /**
   * Feeds tokens (after any pending ones) without sampling, e.g. a document or a chat turn, and
   * returns the last position's logits. On abort the calls already made stay fed (see stats()).
   * @throws EngineError INVALID_ARGUMENT, the signal's reason on abort, DisposedError.
   */
  evaluate(tokens: number[], options: EvaluateOptions = {}): Promise<EvaluateResult> {
    this.guard.check();
    const ids = this.promptTokens(tokens)();
    const { logits = 'last', signal, onProgress, trace = false, splitLast = false } = options;
    if (logits !== 'last' && logits !== 'none') throw new EngineError('INVALID_ARGUMENT', `logits must be 'last' or 'none' (got ${String(logits)})`);
    return this.guard.run(() =>
      this.queued(signal, false, () =>
        this.withAbort(signal, undefined, async (abort) => {
          const fed = await this.core.feed(ids, { logits, trace: trace && this.attention === 'infllm' }, abort, {
            splitLast,
            onCall: onProgress ? (done, total) => onProgress(done / total) : undefined,
          });
          const r: EvaluateResult = { nPast: this.core.nPast, ms: fed.ms };
          if (fed.result.logits) r.logits = fed.result.logits;
          if (fed.records) r.retrieval = fed.records;
          return r;
        }),
      ),
    );
  }

  /** An independent session with this one's state (copy-on-write where possible). Queued like generate. */
  fork(): Promise<Session> {
    this.guard.check();
    return this.guard.run(() =>
      this.queued(undefined, false, async () => {
        const native = wrapNative(() => this.core.native.fork());
        const c = this.core;
        return new Session(new SessionCore(native, c.binding, c.tokenizer, c.nVocab, c.config, c), this.owner);
      }),
    );
  }

  /**
   * Saves the InfLLM memory to `dir` (replacing a memory saved there, atomically: a crash leaves
   * the old memory or the new one, never a mix). Pending tokens (the last generated token) are fed
   * first, in a call of their own, so the memory holds every token of the session; Model.openSession
   * then continues exactly like this session. Disk-tier blocks are linked, not copied. Queued like
   * generate; `signal` cancels while queued or while feeding pending tokens.
   * @throws EngineError INVALID_ARGUMENT (full attention, `dir` is a non-memory folder or a file),
   *   IO_ERROR (then `dir` is unchanged), the signal's reason, DisposedError
   */
  save(dir: string, options: { signal?: AbortSignal } = {}): Promise<SavedMemoryInfo> {
    this.guard.check();
    if (this.attention !== 'infllm') throw new EngineError('INVALID_ARGUMENT', 'only InfLLM sessions can be saved');
    if (typeof dir !== 'string' || dir === '') throw new EngineError('INVALID_ARGUMENT', 'save needs a folder path');
    const { signal } = options;
    return this.guard.run(() =>
      this.queued(signal, false, async () => {
        if (this.core.pending.length > 0) await this.withAbort(signal, undefined, (abort) => this.core.feed([], { logits: 'none' }, abort));
        throwIfAborted(signal);
        const r = await wrapNativeAsync(this.core.native.save(dir));
        return { dir: r.dir, nTokens: r.nTokens, nBlocks: r.nBlocks, bytes: r.bytes, settingsHash: r.settingsHash, ms: r.ms };
      }),
    );
  }

  /**
   * Verifies the checksum of every block of an opened memory not verified yet (blocks are
   * otherwise verified on first use). Queued like generate.
   * @throws EngineError MEMORY_CORRUPT naming the file and block, INVALID_ARGUMENT (full attention), DisposedError
   */
  verify(): Promise<{ blocks: number; bytes: number }> {
    this.guard.check();
    if (this.attention !== 'infllm') throw new EngineError('INVALID_ARGUMENT', 'only InfLLM sessions hold saved blocks');
    return this.guard.run(() =>
      this.queued(undefined, false, async () => {
        const r = await wrapNativeAsync(this.core.native.verify());
        return { blocks: r.blocks, bytes: r.bytes };
      }),
    );
  }

  /** Forgets every token (nPast 0, nothing pending). Queued like generate. */
  clear(): Promise<void> {
    this.guard.check();
    return this.guard.run(() =>
      this.queued(undefined, false, async () => {
        wrapNative(() => this.core.native.clear());
        this.core.nPast = 0;
        this.core.pending = [];
      }),
    );
  }

  /** Tokens held, tokens pending, and memory use (while a model call runs: as before that call). Never BUSY. */
  stats(): SessionStats {
    this.guard.check();
    return { nPast: this.core.nPast, pending: [...this.core.pending], ...this.core.memoryStats() };
  }

  /**
   * Disposes the session: queued operations reject with DisposedError, a running one is aborted
   * (within one layer) and rejects with DisposedError, then native memory is freed. Idempotent.
   */
  dispose(): Promise<void> {
    return this.guard.dispose(
      () => {
        this.lock.close(this.guard.error());
        this.activeAbort?.abort();
      },
      () => {
        wrapNative(() => this.core.native.dispose());
        this.owner.release(this);
      },
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  // ---------------------------------------------------------------------------------------------

  /** Runs `fn` under the session lock; an abort while queued rejects (or resolves empty with stopOnAbort). */
  private async queued<T>(signal: AbortSignal | undefined, stopOnAbort: boolean, fn: () => Promise<T>): Promise<T> {
    let release: () => void;
    try {
      release = await this.lock.acquire(signal);
    } catch (err) {
      if (stopOnAbort && signal?.aborted && err === signal.reason) return emptyAbortResult() as T;
      throw err;
    }
    try {
      // Disposal may have begun between the grant and this continuation.
      if (this.guard.disposed) throw this.guard.error();
      return await fn();
    } finally {
      release();
    }
  }

  /** Runs `fn` with a fresh native abort flag linked to `signal`, `stop` and dispose. */
  private async withAbort<T>(signal: AbortSignal | undefined, stop: AbortSignal | undefined, fn: (abort: NativeAbort) => Promise<T>): Promise<T> {
    throwIfAborted(signal);
    const abort = this.core.binding.createAbort();
    const unlinkSignal = linkAbort(signal, () => abort.abort());
    const unlinkStop = linkAbort(stop, () => abort.abort());
    this.activeAbort = abort;
    try {
      return await fn(abort);
    } catch (err) {
      if (this.guard.disposed && (isCancelled(err) || abort.aborted)) throw this.guard.error();
      if (signal?.aborted && (isCancelled(err) || err === signal.reason)) throw signal.reason;
      throw err;
    } finally {
      this.activeAbort = undefined;
      unlinkSignal();
      unlinkStop();
    }
  }

  private async runGeneration(tokens: number[], o: ResolvedGenerateOptions, stop?: AbortSignal): Promise<GenerateResult> {
    let generation: Generation | undefined;
    try {
      return await this.withAbort(o.signal, stop, (abort) => {
        generation = new Generation(this.core, tokens, o, abort);
        return generation.run();
      });
    } catch (err) {
      const stopped = (o.stopOnAbort && o.signal?.aborted && err === o.signal.reason) || (stop?.aborted && isCancelled(err));
      if (stopped && generation && !this.guard.disposed) return generation.partialResult();
      if (stopped && !generation) return emptyAbortResult();
      throw err;
    }
  }

  /**
   * The prompt's token ids, as a function to call when the operation runs: ids are validated now;
   * text is tokenized then, with BOS only if the session is empty at that moment.
   */
  private promptTokens(prompt: number[] | string): () => number[] {
    const { tokenizer, nVocab } = this.core;
    if (typeof prompt === 'string') {
      return () => {
        const empty = this.core.nPast === 0 && this.core.pending.length === 0;
        const ids = tokenizer.encode(prompt, { addSpecial: empty });
        // A template that prints the BOS text already gave us one BOS.
        if (empty && ids.length >= 2 && ids[0] === tokenizer.bos && ids[1] === tokenizer.bos) ids.shift();
        return ids;
      };
    }
    if (!Array.isArray(prompt)) throw new EngineError('INVALID_ARGUMENT', 'the prompt must be a string or an array of token ids');
    const bad = prompt.findIndex((id) => typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= nVocab);
    if (bad >= 0) throw new EngineError('INVALID_ARGUMENT', `token ${bad} of the prompt (${String(prompt[bad])}) is not an id in [0, ${nVocab})`);
    const ids = [...prompt];
    return () => ids;
  }
}

function emptyAbortResult(): GenerateResult {
  return {
    ids: [],
    text: '',
    stopReason: 'abort',
    timings: { promptTokens: 0, prefillMs: 0, prefillTokensPerSecond: 0, decodeTokens: 0, decodeMs: 0, decodeTokensPerSecond: 0 },
  };
}
