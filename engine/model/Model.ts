/**
 * A loaded GGUF model: Model.load maps and validates the file natively (off the JS thread, with
 * progress and cancellation), builds the tokenizer and chat template from its metadata, and
 * describes it as a plain DTO (`info`). Sessions are made from it; disposing the model disposes
 * its sessions first. Services get the native binding by injection (`options.binding`).
 */
import type { GgufBinding } from '../binding/GgufBinding.js';
import type { ModelBinding, NativeModel } from '../binding/ModelBinding.js';
import { loadBinding } from '../binding/loadBinding.js';
import { EngineError, fromNativeError, wrapNative, wrapNativeAsync } from '../errors.js';
import { linkAbort, throwIfAborted } from '../lifecycle/abort.js';
import { DisposeGuard } from '../lifecycle/DisposeGuard.js';
import { ProgressReporter } from '../lifecycle/progress.js';
import { resolveSessionConfig } from '../session/sessionConfig.js';
import { Session, type SessionOwner } from '../session/Session.js';
import { nativeInfllmSettings, SessionCore } from '../session/SessionCore.js';
import type { OpenSessionOptions, SessionOptions } from '../session/types.js';
import { fallbackStyleFor, renderChat, type ChatMessage, type FallbackStyle } from './chatTemplate.js';
import { loadedModelInfo, type LoadedModelInfo } from './LoadedModelInfo.js';
import { LlamaTokenizer, type Tokenizer } from './tokenizer/Tokenizer.js';
import { tokenizerDataFromMetadata } from './tokenizer/TokenizerData.js';

/** The native exports the model and session services use. @internal */
export type EngineBinding = ModelBinding & Pick<GgufBinding, 'ggufRead'>;

/** Options of {@link Model.load}. */
export interface ModelLoadOptions {
  /** Compute threads [the number of physical cores]. */
  threads?: number;
  /**
   * Numerics of the weight matmuls ['fast']: 8-bit activations and integer dot products for
   * quantized weights (like llama.cpp), or 'exact' (see NativeModelLoadOptions.numerics).
   */
  numerics?: 'exact' | 'fast';
  /** Cancels the load; the promise then rejects with the signal's reason and nothing stays allocated. */
  signal?: AbortSignal;
  /** Called with 0..1 while the weights are validated and paged in: increasing, the last call is 1. */
  onProgress?: (fraction: number) => void;
  /** @internal The native binding [loadBinding()]; tests pass a fake. */
  binding?: EngineBinding;
}

/** A model's chat formatting. */
export interface ModelChatTemplate {
  /** The model's Jinja template (tokenizer.chat_template), or undefined when it has none. */
  readonly template: string | undefined;
  /** The built-in format used when `template` is undefined (ChatML if the vocabulary has <|im_start|>, else Llama-2). */
  readonly fallback: FallbackStyle;
  /**
   * Renders messages to prompt text with the model's BOS/EOS texts.
   * @param options.addGenerationPrompt end with the assistant header [true]
   * @throws EngineError TEMPLATE_ERROR
   */
  render(messages: readonly ChatMessage[], options?: { addGenerationPrompt?: boolean; variables?: Record<string, unknown> }): string;
}

/** The default binding, checked to have the model exports. */
function defaultBinding(): EngineBinding {
  const b = loadBinding() as unknown as Partial<EngineBinding>;
  if (typeof b.modelLoad !== 'function' || typeof b.createAbort !== 'function') {
    throw new EngineError('NATIVE_UNAVAILABLE', 'this build of the native engine cannot load models (rebuild with "npm run build:native")');
  }
  return b as EngineBinding;
}

function chatTemplateOf(tokenizer: LlamaTokenizer): ModelChatTemplate {
  const template = tokenizer.data.chatTemplate;
  const fallback = fallbackStyleFor(tokenizer);
  const text = (id: number | null) => (id === null ? '' : tokenizer.tokenText(id));
  return {
    template,
    fallback,
    render: (messages, options = {}) =>
      renderChat(template, { ...options, messages, fallback, bosToken: text(tokenizer.bos), eosToken: text(tokenizer.eos) }),
  };
}

/** A loaded model; create it with {@link Model.load}, free it with dispose(). */
export class Model implements SessionOwner {
  /** What the model is (plain data). */
  readonly info: LoadedModelInfo;
  readonly tokenizer: Tokenizer;
  readonly chatTemplate: ModelChatTemplate;
  private readonly guard = new DisposeGuard('model');
  private readonly sessions = new Set<Session>();

  private constructor(
    private readonly native: NativeModel,
    private readonly binding: EngineBinding,
    private readonly llamaTokenizer: LlamaTokenizer,
    info: LoadedModelInfo,
  ) {
    this.info = info;
    this.tokenizer = llamaTokenizer;
    this.chatTemplate = chatTemplateOf(llamaTokenizer);
  }

  /**
   * Loads a GGUF model. Throws the signal's reason if it is already aborted or fires during the
   * load (a half-loaded model is freed).
   * @throws EngineError FILE_*, GGUF_*, UNSUPPORTED_*, MISSING_TENSOR, BAD_TENSOR_SHAPE,
   *   BAD_METADATA, TOKENIZER_ERROR, INVALID_ARGUMENT (threads, numerics), NATIVE_UNAVAILABLE
   */
  static async load(path: string, options: ModelLoadOptions = {}): Promise<Model> {
    const { threads, numerics, signal, onProgress } = options;
    throwIfAborted(signal);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
      throw new EngineError('INVALID_ARGUMENT', `threads must be an integer >= 1 (got ${String(threads)})`);
    }
    if (numerics !== undefined && numerics !== 'exact' && numerics !== 'fast') {
      throw new EngineError('INVALID_ARGUMENT', `numerics must be 'exact' or 'fast' (got ${String(numerics)})`);
    }
    const binding = options.binding ?? defaultBinding();
    const file = await wrapNativeAsync(binding.ggufRead(path, {}));
    throwIfAborted(signal);
    const tokenizer = new LlamaTokenizer(tokenizerDataFromMetadata(file.metadata));
    const abort = binding.createAbort();
    const progress = new ProgressReporter(onProgress, () => abort.abort());
    const unlink = linkAbort(signal, () => abort.abort());
    let native: NativeModel | undefined;
    try {
      native = await wrapNativeAsync(binding.modelLoad(path, { threads, numerics, onProgress: progress.report }, abort));
      throwIfAborted(signal);
      progress.rethrow();
      const model = new Model(native, binding, tokenizer, loadedModelInfo(wrapNative(() => native!.info()), file, tokenizer));
      progress.finish();
      progress.rethrow();
      return model;
    } catch (err) {
      try {
        native?.dispose();
      } catch {
        /* already failing; the first error is the one to report */
      }
      throwIfAborted(signal);
      progress.rethrow();
      throw fromNativeError(err);
    } finally {
      unlink();
    }
  }

  /** True once dispose() has been called. */
  get disposed(): boolean {
    return this.guard.disposed;
  }

  /**
   * A new, empty session.
   * @throws EngineError INVALID_ARGUMENT (options), DisposedError
   */
  createSession(options: SessionOptions = {}): Session {
    this.guard.check();
    const config = resolveSessionConfig(options, this.info.nCtxTrain);
    const nativeOptions =
      config.attention === 'infllm' ? { attention: 'infllm' as const, infllm: nativeInfllmSettings(config) } : { attention: 'full' as const, nCtx: config.nCtx };
    const native = wrapNative(() => this.native.createSession(nativeOptions));
    return new Session(new SessionCore(native, this.binding, this.llamaTokenizer, this.info.nVocab, config), this);
  }

  /**
   * A session continuing from a memory saved by Session.save: same state, same tokens, same
   * results as the saved session. `options` must give the InfLLM settings the memory was made with
   * (defaults as createSession; `cache` may differ); block data is mapped, not read, so this takes
   * milliseconds plus the copy of the local window.
   * @throws EngineError FILE_NOT_FOUND (no folder), MEMORY_MISMATCH (another model, other settings
   *   — the message lists them —, another format version), MEMORY_CORRUPT, INVALID_ARGUMENT, DisposedError
   */
  async openSession(dir: string, options: OpenSessionOptions = {}): Promise<Session> {
    this.guard.check();
    const { verify = 'lazy', ...rest } = options;
    if (verify !== 'lazy' && verify !== 'full') throw new EngineError('INVALID_ARGUMENT', `verify must be 'lazy' or 'full' (got ${String(verify)})`);
    if (rest.attention !== undefined && rest.attention !== 'infllm') throw new EngineError('INVALID_ARGUMENT', "saved memories are InfLLM memories: attention must be 'infllm'");
    const config = resolveSessionConfig({ ...rest, attention: 'infllm' }, this.info.nCtxTrain);
    const native = await this.guard.run(() =>
      wrapNativeAsync(this.native.openSession(dir, { attention: 'infllm', infllm: nativeInfllmSettings(config), verify })),
    );
    if (this.guard.disposed) {
      wrapNative(() => native.dispose());
      throw this.guard.error();
    }
    const core = new SessionCore(native, this.binding, this.llamaTokenizer, this.info.nVocab, config, { nPast: wrapNative(() => native.nPast()), pending: [] });
    return new Session(core, this);
  }

  /** @internal */
  adopt(session: Session): void {
    this.sessions.add(session);
  }

  /** @internal */
  release(session: Session): void {
    this.sessions.delete(session);
  }

  /** Disposes every session of the model (aborting their work), then frees the model. Idempotent. */
  dispose(): Promise<void> {
    return this.guard.dispose(
      () => {},
      async () => {
        await Promise.all([...this.sessions].map((s) => s.dispose()));
        wrapNative(() => this.native.dispose());
      },
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
