/**
 * Asking questions about an ingested document. DocumentMemory.open loads the document's saved
 * memory (layout, tokens, native memory) and its token map; ask() forks the opened memory (so it
 * stays pristine for the next question), feeds the question suffix, generates with retrieval
 * traces and returns the answer plus the most retrieved passages with their source locations.
 */
import { EngineError } from '../errors.js';
import { TokenMap } from '../ingest/tokenMap.js';
import { layoutMatches, memoryFolders, nativeMemoryDir, planDocumentMemory, type DocumentMemoryPlanOptions } from '../library/documentMemoryPlan.js';
import type { LibraryService } from '../library/LibraryService.js';
import { readLayout, type MemoryLayout } from '../library/memoryLayout.js';
import type { MemoryModel, MemorySession } from '../library/memoryModel.js';
import type { DocumentEntry } from '../library/types.js';
import { DisposeGuard } from '../lifecycle/DisposeGuard.js';
import type { DocumentPrompt } from './documentPrompt.js';
import { DEFAULT_PASSAGES, retrievedPassages, type RetrievedPassage } from './retrievedPassages.js';
import type { SamplingOptions } from './sampling.js';
import type { GenerateResult, RetrievalRecord, TokenEvent } from './types.js';

/** Options of {@link DocumentMemory.open}. */
export interface OpenDocumentMemoryOptions extends DocumentMemoryPlanOptions {
  library: LibraryService;
  model: MemoryModel;
  /** Library entry id. */
  documentId: string;
  /** The memory folder when it is not the library's folder for this model and configuration. */
  memoryDir?: string;
}

/** Options of {@link DocumentMemory.ask}. */
export interface AskOptions {
  /** Most answer tokens [256]. */
  maxTokens?: number;
  /** How tokens are chosen [greedy]. */
  sampling?: SamplingOptions;
  /** Stop strings [[]]. */
  stop?: readonly string[];
  /** Cancels the answer within one layer. */
  signal?: AbortSignal;
  /** Resolve with the partial answer on abort instead of rejecting [false]. */
  stopOnAbort?: boolean;
  /** Every answer token as it is generated (its `retrieval` holds each layer's selected blocks). */
  onToken?: (event: TokenEvent) => void;
  /** How many passages to return [DEFAULT_PASSAGES]. */
  passages?: number;
}

/** The answer and what it drew on. */
export interface AskResult {
  /** The generation's result (its ids, text, stop reason, timings). */
  answer: GenerateResult;
  /** The most retrieved blocks over the answer's tokens and all layers, most retrieved first. */
  passages: RetrievedPassage[];
  /** Tokens of the question suffix fed before the answer. */
  questionTokens: number;
}

/** An opened document memory. Dispose it to free the native memory. */
export class DocumentMemory {
  private readonly guard = new DisposeGuard('document memory');
  /** Forks answering right now (dispose aborts them). */
  private readonly forks = new Set<MemorySession>();

  private constructor(
    readonly entry: DocumentEntry,
    /** The memory folder. */
    readonly dir: string,
    readonly layout: MemoryLayout,
    readonly tokenMap: TokenMap,
    private readonly prompt: DocumentPrompt,
    private readonly base: MemorySession,
  ) {}

  /**
   * Opens the memory of a library document for a model and plan options (the same settings and
   * prompt options the ingest used).
   * @throws EngineError FILE_NOT_FOUND (not ingested with these settings), MEMORY_MISMATCH,
   *   MEMORY_CORRUPT, LIBRARY_ERROR, INVALID_ARGUMENT
   */
  static async open(options: OpenDocumentMemoryOptions): Promise<DocumentMemory> {
    const { library, model, documentId } = options;
    const plan = planDocumentMemory(model, options);
    const entry = await library.get(documentId);
    const { dir } = memoryFolders(library, entry.id, plan, options.memoryDir);
    const { layout, tokens } = await readLayout(dir);
    if (!layoutMatches(layout, plan, entry.contentHash, model.info.fingerprint)) {
      throw new EngineError('MEMORY_MISMATCH', `the memory in ${dir} was made for another document, model, settings or prompt`);
    }
    const [text, sourceMap] = await Promise.all([library.readText(entry.id), library.readSourceMap(entry.id)]);
    if (text.length !== layout.textLength) throw new EngineError('MEMORY_MISMATCH', `the memory in ${dir} was made from another text`);
    const map = new TokenMap(
      { prefixLength: layout.prompt.prefix.length, offsets: tokens.offsets, nInit: layout.settings.nInit, blockSize: layout.settings.blockSize },
      text,
      sourceMap,
    );
    const base = await model.openSession(nativeMemoryDir(dir), { attention: 'infllm', infllm: plan.settings });
    const held = base.stats().nPast;
    if (held !== map.streamLength) {
      await base.dispose();
      throw new EngineError('MEMORY_CORRUPT', `the memory in ${dir} holds ${held} tokens, its layout ${map.streamLength}`);
    }
    return new DocumentMemory(entry, dir, layout, map, plan.prompt, base);
  }

  /** The token ids fed for `question` before the answer. */
  questionTokens(question: string): number[] {
    return this.prompt.suffix(question);
  }

  /**
   * Answers `question` from a fork of the memory; the opened memory itself is never changed.
   * @throws EngineError INVALID_ARGUMENT, DisposedError; the signal's reason on abort (unless stopOnAbort)
   */
  async ask(question: string, options: AskOptions = {}): Promise<AskResult> {
    this.guard.check();
    if (typeof question !== 'string' || question.trim() === '') throw new EngineError('INVALID_ARGUMENT', 'the question must be a non-empty string');
    const n = options.passages ?? DEFAULT_PASSAGES;
    if (!Number.isInteger(n) || n < 0) throw new EngineError('INVALID_ARGUMENT', `passages must be an integer >= 0 (got ${String(options.passages)})`);
    const suffix = this.questionTokens(question);
    return this.guard.run(async () => {
      const fork = await this.base.fork();
      this.forks.add(fork);
      try {
        const perToken: RetrievalRecord[][] = [];
        const answer = await fork.generate(suffix, {
          maxTokens: options.maxTokens,
          sampling: options.sampling,
          stop: options.stop,
          signal: options.signal,
          stopOnAbort: options.stopOnAbort,
          trace: true,
          onToken: (e) => {
            perToken.push(e.retrieval ?? []);
            options.onToken?.(e);
          },
        });
        return { answer, passages: retrievedPassages(perToken, this.tokenMap, n), questionTokens: suffix.length };
      } finally {
        this.forks.delete(fork);
        await fork.dispose();
      }
    });
  }

  /** Frees the opened memory; a running ask is aborted (it rejects with DisposedError). Idempotent. */
  dispose(): Promise<void> {
    return this.guard.dispose(
      () => {
        for (const f of this.forks) void f.dispose().catch(() => undefined);
      },
      () => this.base.dispose(),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
