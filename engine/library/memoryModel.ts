/**
 * The narrow view of a loaded model and its sessions that document memories need (ingest job,
 * ask): create an InfLLM session, open a saved memory, evaluate, generate, fork, save. The
 * engine's Model and Session provide it; unit tests pass fakes.
 */
import type { Tokenizer } from '../model/tokenizer/Tokenizer.js';
import type { InfllmSettings } from '../session/infllmSettings.js';
import type { EvaluateOptions, EvaluateResult, GenerateOptions, GenerateResult, SessionStats } from '../session/types.js';

/** Where an InfLLM memory keeps blocks made from now on (not part of its content). */
export interface MemoryStorage {
  /** 'ram' (process memory) or 'disk' (segment files in `storageDir`, memory-mapped) ['ram']. */
  storage?: 'ram' | 'disk';
  /** An existing folder for 'disk'. */
  storageDir?: string;
}

/** Options of a new InfLLM session for a document memory. */
export interface MemorySessionOptions extends MemoryStorage {
  /** Resolved settings of the memory. */
  infllm: Required<InfllmSettings>;
  /** Largest model call while feeding, in tokens (a multiple of infllm.chunk). */
  maxCallTokens?: number;
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
  readonly info: { readonly fingerprint: string };
  readonly tokenizer: Tokenizer;
  /** A new, empty InfLLM session. */
  createMemorySession(options: MemorySessionOptions): MemorySession;
  /**
   * A session continuing from the memory saved in `dir`.
   * @throws EngineError FILE_NOT_FOUND, MEMORY_MISMATCH, MEMORY_CORRUPT
   */
  openMemorySession(dir: string, options: MemorySessionOptions): Promise<MemorySession>;
}
