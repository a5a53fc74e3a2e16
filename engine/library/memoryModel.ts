/**
 * The narrow view of a loaded model and its sessions that document memories need (ingest job,
 * ask): create an InfLLM session, open a saved memory, evaluate, generate, fork, save. The
 * engine's Model and Session satisfy it as they are; unit tests pass fakes.
 */
import type { Tokenizer } from '../model/tokenizer/Tokenizer.js';
import type { InfllmSettings } from '../session/infllmSettings.js';
import type { EvaluateOptions, EvaluateResult, GenerateOptions, GenerateResult, SessionStats } from '../session/types.js';

/** Options of an InfLLM session over a document memory (a subset of SessionOptions). */
export interface MemorySessionOptions {
  attention: 'infllm';
  /** Resolved settings of the memory. */
  infllm: Required<InfllmSettings>;
  /** Largest model call while feeding, in tokens (a multiple of infllm.chunk) [512]. */
  maxCallTokens?: number;
  /** Keep blocks made from now on in segment files in this existing folder (disk tier) [RAM]. */
  storageDir?: string;
}

/** A session over an InfLLM memory. */
export interface MemorySession {
  evaluate(tokens: number[], options?: EvaluateOptions): Promise<EvaluateResult>;
  generate(prompt: number[], options?: GenerateOptions): Promise<GenerateResult>;
  fork(): Promise<MemorySession>;
  /** Saves the memory to `dir` atomically (replacing a saved memory there). */
  save(dir: string): Promise<unknown>;
  stats(): SessionStats;
  dispose(): Promise<void>;
}

/** A loaded model as document memories use it. */
export interface MemoryModel {
  /** fingerprint and memoryFormat (the saved-memory format version) key the memory folders. */
  readonly info: { readonly fingerprint: string; readonly memoryFormat: number };
  readonly tokenizer: Tokenizer;
  /** A new, empty InfLLM session. */
  createSession(options: MemorySessionOptions): MemorySession;
  /**
   * A session continuing from the memory saved in `dir`.
   * @throws EngineError FILE_NOT_FOUND, MEMORY_MISMATCH, MEMORY_CORRUPT
   */
  openSession(dir: string, options: MemorySessionOptions): Promise<MemorySession>;
}
