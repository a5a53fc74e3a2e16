/**
 * Native exports for models and sessions (native/addon/addon-model.cpp, addon-session.cpp).
 * The TypeScript services in engine/model and engine/session wrap these; nothing outside
 * engine/ ever sees a native handle.
 * @internal
 */

/** A cancellation flag shared with native work; checked between layers and between steps. */
export interface NativeAbort {
  abort(): void;
  readonly aborted: boolean;
}

/** Hyperparameters and identity of a loaded model. */
export interface NativeModelInfo {
  architecture: 'llama' | 'qwen2' | 'qwen3';
  nVocab: number;
  nCtxTrain: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  nFf: number;
  ropeFreqBase: number;
  ropeNeox: boolean;
  rmsEps: number;
  tiedEmbeddings: boolean;
  /** Bytes of weights (mapped). */
  weightBytes: number;
  /** Tensor type name → count. */
  tensorTypes: Record<string, number>;
  /** Stable fingerprint of the model file (hex), used to key saved memories. */
  fingerprint: string;
  /** Version of the saved-memory format this engine writes and opens (manifest "version"). */
  memoryFormat: number;
  /** Compute threads of the model. */
  threads: number;
  /** The numerics the weight matmuls use (see {@link NativeModelLoadOptions.numerics}). */
  numerics: 'exact' | 'fast';
}

export interface NativeModelLoadOptions {
  /** Worker threads for compute; default: physical cores. */
  threads?: number;
  /**
   * Called with 0..1 while weights are validated and paged in: strictly increasing, and the last
   * call (1) comes before the promise resolves; nothing after a rejection. Exceptions it throws are ignored.
   */
  onProgress?: (fraction: number) => void;
  /**
   * Numerics of the weight matmuls. `fast` (default): for quantized weights the activations are
   * quantized to 8 bits per matmul input row (Q8_0 / Q8_1 / Q8_K, like llama.cpp) and multiplied
   * with integer dot products — several times faster, with llama.cpp-sized differences (about
   * 0.1-0.4 in the logits of the synthetic models) from exact math. `exact`: weights are
   * dequantized exactly and multiplied with float32 activations (within ~2e-5 of a float64
   * reference). F32/F16/BF16 weights always compute exactly. Results are bitwise independent of
   * threads and batching in both modes.
   */
  numerics?: 'exact' | 'fast';
}

/**
 * Element type of stored memory blocks: 'f32' exact, 'f16' (binary16, half the bytes), 'q8' (int8
 * with one float32 scale per token and kv head, about a quarter). The local window and the initial
 * tokens stay f32; the blocks' representative vectors are f32 for 'f32' and f16 for 'f16' / 'q8'.
 */
export type NativeKvType = 'f32' | 'f16' | 'q8';

/** InfLLM settings (infllm-spec.md §1). Defaults: the paper's. */
export interface NativeInfllmSettings {
  nInit?: number; // 128
  nLocal?: number; // 4096
  blockSize?: number; // 128
  topk?: number; // 16
  reprTopk?: number; // 4
  chunk?: number; // 512 (exc_block_size)
  cache?: number; // 32 (max cached blocks; topk <= cache)
  compat?: boolean; // false: intended prefill mask; true: reference-code quirk (spec §2.5)
  /** Block element type; default 'f16'. Tests comparing with float32 golden data pass 'f32'. */
  kvType?: NativeKvType;
}

/** Where an InfLLM memory keeps its blocks (not part of its content: not in the settings hash). */
export interface NativeInfllmStorage {
  /**
   * Where memory blocks live: 'ram' (default, process memory) or 'disk': appended to segment files
   * in `storageDir` (an existing folder) as they form and read through memory mappings, so a memory
   * larger than RAM works. Scratch files are removed when no session uses them any more.
   */
  storage?: 'ram' | 'disk';
  storageDir?: string;
}

export type NativeSessionOptions =
  | { attention: 'full'; /** Maximum context; default n_ctx_train. */ nCtx?: number }
  | { attention: 'infllm'; infllm?: NativeInfllmSettings & NativeInfllmStorage };

export interface NativeSamplingParams {
  /** 0 = greedy (argmax, ties to the lowest id). Default 0. */
  temperature?: number;
  topK?: number; // 0 = off
  topP?: number; // 1 = off
  minP?: number; // 0 = off
  repeatPenalty?: number; // 1 = off
  presencePenalty?: number; // 0 = off
  frequencyPenalty?: number; // 0 = off
  /** How many recent tokens (of the session's history, prompt included) the penalties look at; default 64, -1 = all, 0 = none. */
  penaltyLastN?: number;
  /**
   * RNG seed, an integer in [0, 2^53); default: a fresh random seed per call. The draw is keyed by
   * (seed, position of the sampled token), so the same seed, history and logits give the same token
   * in any session, fork or re-run. Order of the filters: native/src/ifl-sampling.h.
   */
  seed?: number;
}

/**
 * The fields every retrieval record shares (the session API's RetrievalRecord, the testing
 * binding's and the tests' float64 reference): which chunk of which layer made the selection.
 */
export interface NativeRetrievalChunk {
  layer: number;
  /** Absolute position of the chunk's first query. */
  qStart: number;
  /** Queries in the chunk (1 while decoding). */
  qLen: number;
  /** Memory blocks that existed when the selection was made. */
  nBlocks: number;
  /** true: top-k by relevance; false: every block was taken (nBlocks ≤ topk), or none (topk = 0). */
  scored: boolean;
}

/** Retrieval records of one eval, structure-of-arrays (one entry per layer × execution chunk). */
export interface NativeRetrievalTrace {
  layer: Int32Array;
  qStart: Float64Array;
  qLen: Int32Array;
  nBlocks: Int32Array;
  /** 1 when blocks were scored (n_blocks > topk), 0 when all were taken. */
  scored: Uint8Array;
  /** Entry i's selected ids are selected[selOffsets[i] .. selOffsets[i+1]). Length = entries + 1. */
  selOffsets: Int32Array;
  selected: Int32Array;
  /** Scores of the selected blocks (NaN where unscored), aligned with `selected`. */
  scores: Float32Array;
  /** Initial tokens attended in the global branch: positions [0, initLen). */
  initLen: Float64Array;
  /**
   * Remainder tail attended in the global branch: the tailLen positions ending at
   * qStart + qLen - nLocal (tokens out of the window of the chunk's last query, not yet in a block).
   */
  tailLen: Float64Array;
}

export interface NativeEvalOptions {
  /**
   * Which logits rows to return: none, the last position (default), every position, or positions
   * (0-based within this call, in the order given, repeats allowed). Only these rows go through the output head.
   */
  logits?: 'none' | 'last' | 'all' | Int32Array;
  /** If set, sample the next token from the last position's logits with these parameters. */
  sample?: NativeSamplingParams;
  /** Collect retrieval records (InfLLM sessions). Default false. */
  trace?: boolean;
}

export interface NativeEvalResult {
  /** [rows, nVocab] row-major, rows in the order requested. */
  logits?: Float32Array;
  /** Sampled token when `sample` was given. */
  token?: number;
  trace?: NativeRetrievalTrace;
  /** Wall time of the call in milliseconds (native side). */
  ms: number;
}

/** What {@link NativeSession.save} wrote. */
export interface NativeSaveResult {
  dir: string;
  /** Total bytes of the memory's files. */
  bytes: number;
  files: number;
  /** Block segment files hard-linked from the disk tier / an opened memory instead of written. */
  linkedFiles: number;
  /** Hex SHA-256 of the content settings (see `memorySettingsHash`). */
  settingsHash: string;
  nTokens: number;
  /** Blocks per layer. */
  nBlocks: number;
  ms: number;
}

/** What {@link NativeSession.verify} checked. */
export interface NativeVerifyResult {
  /** Blocks whose checksum was verified by this call (blocks verified before are skipped). */
  blocks: number;
  bytes: number;
  ms: number;
}

/** Options of {@link NativeModel.openSession}. */
export interface NativeOpenOptions {
  attention: 'infllm';
  /**
   * The settings the caller expects: every content setting (all but `cache`, storage keys) must
   * equal the saved ones, else MEMORY_MISMATCH lists the differing keys. Absent keys take the
   * same defaults as createSession. Storage keys say where blocks made after opening go.
   */
  infllm?: NativeInfllmSettings & NativeInfllmStorage;
  /** 'lazy' (default): each block's checksum is verified on first use; 'full': all at open. */
  verify?: 'lazy' | 'full';
}

export interface NativeSession {
  /**
   * Runs one model call over `tokens` at positions [nPast, nPast + n). Rejects with CANCELLED if
   * `abort` fires (checked between layers); the session is then exactly as before the call.
   * Rejects with BUSY if another eval of this session has not settled yet ("running" below means
   * exactly that), INVALID_ARGUMENT for bad tokens or
   * options or a full context (the session is unchanged). Never throws synchronously.
   */
  eval(tokens: Int32Array, options: NativeEvalOptions, abort?: NativeAbort): Promise<NativeEvalResult>;
  /** Tokens committed so far; while an eval runs, the value before it. */
  nPast(): number;
  /** An independent session with the same state (copy-on-write where possible). Throws BUSY while an eval runs. */
  fork(): NativeSession;
  /** Forgets everything (nPast becomes 0). Throws BUSY while an eval runs. */
  clear(): void;
  /**
   * Sizes: bytesResident = held in process memory, bytesMapped = block data read from mapped files.
   * nBlocks and initLen (initial tokens held) are 0 for full attention.
   * Throws BUSY while an eval (or save / verify) runs.
   */
  stats(): { nTokens: number; nBlocks: number; initLen: number; bytesResident: number; bytesMapped: number };
  /**
   * Saves the memory (InfLLM sessions only; INVALID_ARGUMENT otherwise) and its token history to
   * `dir`, replacing a saved memory there atomically (temp folder + rename). A folder that exists
   * and is not a saved memory is refused (INVALID_ARGUMENT). Runs off the JS thread; the session is
   * BUSY meanwhile. Errors: IO_ERROR (the target is then unchanged), MEMORY_CORRUPT (a block of an
   * opened memory fails its checksum while being copied).
   */
  save(dir: string): Promise<NativeSaveResult>;
  /** Verifies every block checksum of an opened memory not verified yet (MEMORY_CORRUPT names file and block). */
  verify(): Promise<NativeVerifyResult>;
  /** Frees native memory; later calls throw (eval: rejects) DISPOSED. Idempotent. Throws BUSY while an eval runs. */
  dispose(): void;
}

export interface NativeModel {
  info(): NativeModelInfo;
  createSession(options: NativeSessionOptions): NativeSession;
  /**
   * A session continuing from a saved memory (off the JS thread; block files are mapped, not read).
   * Errors: FILE_NOT_FOUND (no folder), MEMORY_MISMATCH (format version, another model, other
   * settings), MEMORY_CORRUPT (missing/truncated/altered files, bad manifest).
   */
  openSession(dir: string, options: NativeOpenOptions): Promise<NativeSession>;
  /** Frees the model once no session uses it (existing sessions keep working); later calls throw DISPOSED. Idempotent. */
  dispose(): void;
}

export interface ModelBinding {
  createAbort(): NativeAbort;
  /**
   * Maps and validates a GGUF model off the JS thread, then reads every weight page once. Every failure
   * rejects (never throws): FILE_*, GGUF_*, UNSUPPORTED_*, MISSING_TENSOR, BAD_TENSOR_SHAPE, BAD_METADATA,
   * CANCELLED, INVALID_ARGUMENT (bad options). Evals of sessions of one model share its thread pool and run one at a time.
   */
  modelLoad(path: string, options?: NativeModelLoadOptions, abort?: NativeAbort): Promise<NativeModel>;
}

/** What {@link ModelTestingBinding} `evalTensors` reports: one named intermediate tensor. */
export type TensorWatcher = (name: string, layer: number, data: Float32Array, shape: number[]) => void;

/**
 * Test-only exports of native/addon/addon-model-testing.cpp: `binding._testing.model`.
 * @internal
 */
export interface ModelTestingBinding {
  _testing: {
    model: {
      /**
       * The native sampler on caller-given logits. `history`: tokens seen so far (penalties);
       * `stream`: the RNG stream, i.e. the absolute position of the sampled token in an eval.
       * ids/probs: the final candidates in ascending id order and their probabilities (empty for greedy).
       */
      sample(
        logits: Float32Array,
        params: NativeSamplingParams,
        history: Int32Array,
        stream: number,
      ): { token: number; ids: Int32Array; probs: Float64Array };
      /**
       * session.eval(tokens, options, abort) that also calls `watch.onTensor` synchronously for every named
       * intermediate tensor (llama.cpp callback names: inp_embd, attn_norm, Qcur, Kcur, Vcur, Qcur_normed,
       * Kcur_normed, kqv_out, attn_out, ffn_inp, ffn_norm, ffn_out, l_out, result_norm, result_output; layer -1
       * outside the layers) while the native computation waits. `names` restricts which are sent.
       */
      evalTensors(
        session: NativeSession,
        tokens: Int32Array,
        options: NativeEvalOptions,
        watch: { names?: string[]; onTensor: TensorWatcher },
        abort?: NativeAbort,
      ): Promise<NativeEvalResult>;
    };
  };
}
