/**
 * Test-only native exports for the attention memories (native/addon/addon-memory.cpp and
 * addon-memory-kernel.cpp): `binding._testing.memory`. A thin, synchronous mirror of the C++
 * `ifl::attn_memory` interface (full KV cache or InfLLM block memory) plus introspection of the
 * InfLLM state, used by the oracle tests. Never used by services.
 * @internal
 */
import type { NativeInfllmSettings, NativeInfllmStorage, NativeKvType, NativeRetrievalChunk } from './ModelBinding.js';

/** Shape of the attention layers a memory serves. */
export interface MemoryLayout {
  nLayer: number;
  nHead: number;
  /** Must divide nHead; query head h reads kv head h / (nHead / nHeadKv). */
  nHeadKv: number;
  headDim: number;
  /** RoPE base; default 10000. */
  ropeBase?: number;
  /** Pairing (x[i], x[i + nDims/2]) when true, (x[2i], x[2i+1]) when false (default). */
  neox?: boolean;
  /** Rotated dimensions per head; default headDim; 0 = no rotation. */
  nDims?: number;
  /** Linear RoPE scaling factor applied to positions; default 1. */
  freqScale?: number;
}

export interface TestMemoryOptions {
  kind: 'full' | 'infllm';
  /** InfLLM settings (paper defaults for absent keys) and block storage (default RAM). */
  settings?: NativeInfllmSettings & NativeInfllmStorage;
  /** Full cache only: maximum tokens; default 0 = unbounded. */
  capacity?: number;
  /** Threads of the memory's compute pool (shared with its forks); default 1. */
  nThreads?: number;
  /** InfLLM only: open the memory saved by TestMemory.save in this folder (settings must match). */
  open?: string;
  /** With `open`: verify every block at once (default: on first use). */
  verifyAll?: boolean;
}

/** One retrieval decision (one execution chunk of one layer). */
export interface RetrievalRecord extends NativeRetrievalChunk {
  /** Selected block ids, ascending. */
  selected: number[];
  /** Relevance of each selected block (empty when not scored). */
  scores: Float32Array;
}

export interface InfllmLayerState {
  /** Initial tokens held: positions [0, initLen). */
  initLen: number;
  nBlocks: number;
  /** The remainder (tokens in neither init nor a block, incl. the local window): [remStart, remEnd). */
  remStart: number;
  remEnd: number;
}

export interface InfllmBlockInfo {
  /** Token positions [begin, end). */
  begin: number;
  end: number;
  /** Raw (un-rotated) keys decoded to f32, [nHeadKv, blockSize, headDim]. */
  k: Float32Array;
  /** Decoded to f32, [nHeadKv, blockSize, headDim]. */
  v: Float32Array;
  /** Element type the block is stored in. */
  kvType: NativeKvType;
  /** True when the block's data is read from a mapped file (disk tier, opened memory). */
  mapped: boolean;
  /** Representative scores of the block's tokens when it was made, [nHead, blockSize]; kept for f32 RAM blocks only (else empty). */
  scores: Float32Array;
  /** Representative vector, [nHead * headDim]. */
  repr: Float32Array;
}

export interface TestMemory {
  /** Starts a call of nTokens new tokens at positions [nPast, nPast + nTokens). */
  beginCall(nTokens: number): void;
  /**
   * Attention of one layer over the call's tokens. q [n, nHead, headDim], k and v
   * [n, nHeadKv, headDim] (raw projections, before RoPE); returns out [n, nHead, headDim].
   */
  attend(layer: number, q: Float32Array, k: Float32Array, v: Float32Array): Float32Array;
  /** Commits the call (every layer must have been attended). */
  endCall(): void;
  /** Abandons the call in progress; the state is exactly as before beginCall. */
  rollbackCall(): void;
  /** Retrieval records made since the last call of this method, in execution order. */
  takeRetrievals(): RetrievalRecord[];
  nPast(): number;
  capacityLeft(): number;
  clear(): void;
  /** An independent memory with the same committed state. */
  fork(): TestMemory;
  stats(): { nTokens: number; nBlocks: number; bytesResident: number; bytesMapped: number };
  infllmLayer(layer: number): InfllmLayerState;
  infllmBlock(layer: number, block: number): InfllmBlockInfo;
  /**
   * Representative vectors of every block, [nBlocks, nHead * headDim], decoded exactly from their
   * element type (f32 for kvType f32; f16 — rounded to nearest even — for f16 and q8).
   */
  infllmReprs(layer: number): Float32Array;
  /** Representative scores of the remainder tokens, [remEnd - remStart, nHead]. */
  infllmRemScores(layer: number): Float32Array;
  /** Initial tokens' raw K and V, each [nHeadKv, initLen, headDim]. */
  infllmInit(layer: number): { k: Float32Array; v: Float32Array };
  /**
   * Appends n tokens with raw keys/values k, v [n, nHeadKv, headDim] to every layer as a committed
   * call would store them, without attention (InfLLM: the bookkeeping of one call, representative
   * scores stay 0; full cache: rotated keys in its pages). Benchmarks.
   */
  fillKv(k: Float32Array, v: Float32Array): void;
  /** InfLLM: saves the memory (test identity, token history all 0) to `dir`, synchronously. */
  save(dir: string): { bytes: number; files: number; linkedFiles: number };
}

/** One key group of the attention kernel; see native/src/cpu/ifl-attention.h. */
export interface KernelStage {
  /** Queries used against this stage, [nQ, nHead, headDim]. */
  q: Float32Array;
  /** Key j of kv head h starts at j * kvRowStride + h * kvHeadStride (same for v). */
  k: Float32Array;
  v: Float32Array;
  nKeys: number;
  /** Default nHeadKv * headDim. */
  kvRowStride?: number;
  /** Default headDim. */
  kvHeadStride?: number;
  /** Key j is visible to query i iff dMin <= (qPos0 + i) - (kPos0 + j) <= dMax. Defaults 0, 0, -Infinity, Infinity. */
  qPos0?: number;
  kPos0?: number;
  dMin?: number;
  dMax?: number;
  /** Also return the normalised probabilities summed over queries, [nHead, nKeys]. Default false (f32 stages only). */
  score?: boolean;
  /** Store k/v as this type (encoded per key and kv head) before the kernel runs; default 'f32'. */
  kvType?: NativeKvType;
}

export interface KernelProblem {
  nQ: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  /** Default 1 / sqrt(headDim). */
  scale?: number;
  /** Default 1. */
  nThreads?: number;
  /** Let score stages of small problems reuse the main pass's logits (default true); false recomputes them. */
  keepLogits?: boolean;
  stages: KernelStage[];
}

export interface MemoryTestingApi {
  create(layout: MemoryLayout, options: TestMemoryOptions): TestMemory;
  /** Runs the shared CPU attention kernel: one joint softmax over all stages. */
  attention(problem: KernelProblem): { out: Float32Array; scores: (Float32Array | null)[] };
  /** Positions [begin, end) of InfLLM block b under these settings. */
  infllmBlockRange(settings: NativeInfllmSettings, block: number): [number, number];
  /** The native defaults (the paper's settings). */
  infllmDefaults(): Required<NativeInfllmSettings>;
}

export interface MemoryTestingBinding {
  _testing: { memory: MemoryTestingApi };
}
