/**
 * Native exports of the CPU kernels (native/addon/addon-kernels.cpp, addon-ops.cpp,
 * addon-probe.cpp). `_testing` members exist for the test suite and are never used by services;
 * `probe` is used by `npm run bench`. Type ids are GGML ids (0 F32, 1 F16, 2 Q4_0, 3 Q4_1,
 * 6 Q5_0, 7 Q5_1, 8 Q8_0, 10 Q2_K ... 14 Q6_K, 30 BF16). Misuse throws a TypeError with code
 * INVALID_ARGUMENT; an unavailable variant throws an Error with code INVALID_ARGUMENT.
 * @internal
 */

/**
 * A kernel variant name: `ref` (scalar), `avx2` (8 lanes), `avx512` (16 lanes), or `avx512-emu`
 * (the avx512 arithmetic emulated with AVX2, for tests: equals `avx512` bit for bit).
 */
export type KernelVariant = 'ref' | 'avx2' | 'avx512' | 'avx512-emu';

/**
 * Numerics of a weight matmul: `exact` (weights dequantized exactly, float32 activations) or
 * `fast` (quantized weights only: 8-bit activations and integer dot products like llama.cpp,
 * defined in native/src/cpu/ifl-qdot.h; F32/F16/BF16 weights always use exact).
 */
export type Numerics = 'exact' | 'fast';

/** Strides (in floats) of matmul's activation and output rows; defaults nIn and nOut. */
export interface MatmulStrides {
  xStride?: number;
  yStride?: number;
  /** Default `exact`. */
  numerics?: Numerics;
}

/** An activation block format of the fast numerics (llama.cpp's block_q8_0 / q8_1 / q8_K). */
export type ActivationQuant = 'q8_0' | 'q8_1' | 'q8_K';

/** binding._testing.kernels */
export interface KernelsTestingExports {
  /** Variants this CPU can run: `ref`, `avx2`, then `avx512` if present, then `avx512-emu`. */
  variants(): KernelVariant[];
  /** Accumulator lanes of a variant (1, 8 or 16). */
  lanes(variant: KernelVariant): number;
  /** Scalar reference dequantization of n elements (a multiple of the block size). */
  dequantizeRow(typeId: number, bytes: Uint8Array, n: number): Float32Array;
  /** The fast (best variant) dequantizer; must equal dequantizeRow bit for bit. */
  dequantizeRowFast(typeId: number, bytes: Uint8Array, n: number): Float32Array;
  /** dot(dequant(row), x) with n = x.length (numerics default `exact`). */
  vecDot(variant: KernelVariant, typeId: number, bytes: Uint8Array, x: Float32Array, numerics?: Numerics): number;
  /**
   * llama.cpp's activation quantizer of that kind (x86 rounding) over x (length a multiple of 32,
   * or 256 for q8_K): the blocks as bytes (q8_0: fp16 d + 32 int8; q8_1: fp16 d, fp16 s + 32
   * int8; q8_K: f32 d + 256 int8 + 16 int16 bsums; little-endian).
   */
  quantizeRow(kind: ActivationQuant, x: Float32Array): Uint8Array;
  /**
   * y[t, o] = sum_k dequant(w)[o, k] x[t, k]; returns [nTokens, yStride] (padding columns NaN).
   * A pool of `threads` threads is made for the call.
   */
  matmul(
    variant: KernelVariant,
    typeId: number,
    bytes: Uint8Array,
    nIn: number,
    nOut: number,
    x: Float32Array,
    nTokens: number,
    threads: number,
    strides?: MatmulStrides,
  ): Float32Array;
  /** Row `row` of an [nOut, nIn] table, dequantized. */
  getRow(typeId: number, bytes: Uint8Array, nIn: number, nOut: number, row: number): Float32Array;
  /** binary16 bits → float32 with the scalar or the F16C conversion. */
  f16ToF32(bits: Uint16Array, impl: 'scalar' | 'f16c'): Float32Array;
  /** float32 → binary16 bits (round to nearest even). */
  f32ToF16(x: Float32Array, impl: 'scalar' | 'f16c'): Uint16Array;
}

/** binding._testing.ops: the forward-pass ops; every function returns a new array. */
export interface OpsTestingExports {
  /** x / sqrt(mean(x^2) + eps) * w (w null: no weight). */
  rmsNorm(x: Float32Array, w: Float32Array | null, eps: number): Float32Array;
  add(a: Float32Array, b: Float32Array): Float32Array;
  mul(a: Float32Array, b: Float32Array): Float32Array;
  scale(x: Float32Array, s: number): Float32Array;
  /** silu(gate) * up. */
  siluMul(gate: Float32Array, up: Float32Array): Float32Array;
  softmax(x: Float32Array): Float32Array;
  /** Index of the first maximum (NaN ignored); -1 for an empty array. */
  argmax(x: Float32Array): number;
  /** The engine's float32 exp polynomial. */
  exp(x: Float32Array): Float32Array;
}

/** binding.probe: synchronous machine measurements for the benchmark. */
export interface ProbeExports {
  /** Read-only streaming bandwidth (GB/s) over a `bytes` buffer with `threads` threads. */
  readBandwidth(bytes: number, threads: number): number;
  /** Peak FMA throughput (GFLOP/s) of the best variant with `threads` threads. */
  fmaPeak(threads: number): number;
  /**
   * Best wall time (s) of `reps` matmul calls (best variant, `numerics`, default `exact`) after
   * one warm-up call. `bytes` holds `copies` (default 1) consecutive [nOut, nIn] matrices; call r
   * uses copy r % copies (a set larger than the last-level cache makes each call stream its
   * weights from memory).
   */
  matmulSeconds(
    typeId: number,
    bytes: Uint8Array,
    nIn: number,
    nOut: number,
    nTokens: number,
    threads: number,
    reps: number,
    copies?: number,
    numerics?: Numerics,
  ): number;
}

export interface KernelsBinding {
  _testing: { kernels: KernelsTestingExports; ops: OpsTestingExports };
  probe: ProbeExports;
}
