/**
 * Builds small llama / qwen2 / qwen3 GGUF models with seeded random weights of any supported
 * GGML type (GgufWriter + the block generators of ggmlReference.ts), and returns the weights
 * dequantized to float64 by ggmlReference.ts (independently of the native code), for the float64
 * forward reference in forwardReference.ts. `mutate` crafts broken files for the loader tests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GgufWriter } from '../../engine/gguf/GgufWriter.js';
import { dequantizeRow, makeRng, randomBlocks, typeTraits, type GgmlTypeName, type Rng } from './ggmlReference.js';

export type TinyArch = 'llama' | 'qwen2' | 'qwen3';

export interface TinyModelSpec {
  arch?: TinyArch; // default 'llama'
  nEmbd?: number; // default 64
  nLayer?: number; // default 2
  nHead?: number; // default 4
  nHeadKv?: number; // default 2
  /** Written as attention.key_length when given; default nEmbd / nHead (key absent). */
  headDim?: number;
  nFf?: number; // default 96
  nVocab?: number; // default 40
  nCtx?: number; // default 256
  ropeBase?: number; // default: key absent (10000)
  ropeDims?: number; // rope.dimension_count; default: key absent (head_dim)
  /** rope.scaling.type = linear with this factor. */
  ropeLinearFactor?: number;
  /** Adds rope_freqs.weight (Llama 3.1 style factors >= 1). */
  ropeFreqs?: boolean;
  rmsEps?: number; // default 1e-5
  /** No output.weight: the head reuses token_embd. */
  tied?: boolean;
  /** attn_output.bias (llama allows it). */
  outputBias?: boolean;
  /** Type of every 2-D weight (default F32). */
  weightType?: GgmlTypeName;
  seed?: number; // default 1
  mutate?: {
    omit?: string[];
    /** Replace a tensor's dims (its data is resized to fit, zero-filled). */
    dims?: Record<string, number[]>;
    /** Replace a tensor's GGML type id (data zero-filled to fit the type). */
    typeId?: Record<string, { id: number; blockSize: number; typeSize: number }>;
    kv?: Record<string, string | number>;
    omitKv?: string[];
  };
}

export interface TinyModel {
  bytes: Uint8Array;
  spec: Required<Omit<TinyModelSpec, 'mutate' | 'ropeDims' | 'ropeLinearFactor' | 'headDim' | 'ropeBase'>> & {
    headDim: number;
    ropeDims: number;
    ropeBase: number;
    freqScale: number;
  };
  /** Tensor name -> float64 values (row-major [rows, rowLength] for matrices). */
  weights: Map<string, Float64Array>;
}

/** Scale exponents giving weights of roughly 0.01-0.2 for each format (d * max quant). */
const exponents: Record<GgmlTypeName, [number, number]> = {
  F32: [-6, -3], F16: [-6, -3], BF16: [-6, -3],
  Q4_0: [-8, -6], Q4_1: [-8, -6], Q5_0: [-9, -7], Q5_1: [-9, -7], Q8_0: [-11, -9],
  Q2_K: [-10, -8], Q3_K: [-11, -9], Q4_K: [-13, -11], Q5_K: [-14, -12], Q6_K: [-16, -14],
};

function normalish(r: Rng, n: number, center: number, spread: number): Float64Array {
  return Float64Array.from({ length: n }, () => Math.fround(center + spread * (r.next() * 2 - 1)));
}

/** Builds the model file (see TinyModelSpec for the defaults). */
export function buildTinyModel(specIn: TinyModelSpec = {}): TinyModel {
  const arch = specIn.arch ?? 'llama';
  const nEmbd = specIn.nEmbd ?? 64;
  const nHead = specIn.nHead ?? 4;
  const headDim = specIn.headDim ?? nEmbd / nHead;
  const spec: TinyModel['spec'] = {
    arch, nEmbd, nHead, headDim,
    nLayer: specIn.nLayer ?? 2, nHeadKv: specIn.nHeadKv ?? 2, nFf: specIn.nFf ?? 96, nVocab: specIn.nVocab ?? 40,
    nCtx: specIn.nCtx ?? 256, ropeBase: specIn.ropeBase ?? 10000, ropeDims: specIn.ropeDims ?? headDim,
    freqScale: specIn.ropeLinearFactor ? 1 / specIn.ropeLinearFactor : 1, ropeFreqs: specIn.ropeFreqs ?? false,
    rmsEps: specIn.rmsEps ?? 1e-5, tied: specIn.tied ?? false, outputBias: specIn.outputBias ?? false,
    weightType: specIn.weightType ?? 'F32', seed: specIn.seed ?? 1,
  };
  const r = makeRng(spec.seed);
  const mut = specIn.mutate ?? {};
  const w = new GgufWriter();
  const kvs: [string, string | number][] = [
    ['general.architecture', arch], [`${arch}.context_length`, spec.nCtx], [`${arch}.embedding_length`, nEmbd],
    [`${arch}.block_count`, spec.nLayer], [`${arch}.feed_forward_length`, spec.nFf], [`${arch}.attention.head_count`, nHead],
    [`${arch}.attention.head_count_kv`, spec.nHeadKv], [`${arch}.vocab_size`, spec.nVocab],
  ];
  if (specIn.headDim !== undefined) kvs.push([`${arch}.attention.key_length`, headDim], [`${arch}.attention.value_length`, headDim]);
  if (specIn.ropeDims !== undefined) kvs.push([`${arch}.rope.dimension_count`, specIn.ropeDims]);
  if (specIn.ropeLinearFactor) kvs.push([`${arch}.rope.scaling.type`, 'linear']);
  for (const [k, v] of Object.entries(mut.kv ?? {})) {
    const at = kvs.findIndex(([key]) => key === k);
    if (at >= 0) kvs[at] = [k, v];
    else kvs.push([k, v]);
  }
  for (const [k, v] of kvs) {
    if (mut.omitKv?.includes(k)) continue;
    if (typeof v === 'string') w.addString(k, v);
    else w.addU32(k, v);
  }
  const floats: [string, number][] = [[`${arch}.attention.layer_norm_rms_epsilon`, spec.rmsEps]];
  if (specIn.ropeBase !== undefined) floats.push([`${arch}.rope.freq_base`, specIn.ropeBase]);
  if (specIn.ropeLinearFactor) floats.push([`${arch}.rope.scaling.factor`, specIn.ropeLinearFactor]);
  for (const [k, v] of floats) if (!mut.omitKv?.includes(k)) w.addF32(k, v);

  const weights = new Map<string, Float64Array>();
  const vector = (name: string, values: Float64Array): void => {
    weights.set(name, values);
    addTensor(name, [values.length], 'F32', new Uint8Array(Float32Array.from(values).buffer));
  };
  const matrix = (name: string, nIn: number, nOut: number): void => {
    const t = spec.weightType;
    const bytes = randomBlocks(t, (nIn * nOut) / typeTraits[t].blockSize, r, { exponentRange: exponents[t] });
    weights.set(name, dequantizeRow(t, bytes, nIn * nOut));
    addTensor(name, [nIn, nOut], t, bytes);
  };
  const addTensor = (name: string, dims: number[], type: GgmlTypeName, data: Uint8Array): void => {
    if (mut.omit?.includes(name)) return;
    let typeId: number = typeTraits[type].id;
    let blockSize = typeTraits[type].blockSize;
    let typeSize = typeTraits[type].typeSize;
    const forced = mut.typeId?.[name];
    if (forced) ({ id: typeId, blockSize, typeSize } = forced);
    const d = mut.dims?.[name] ?? dims;
    const need = (d.reduce((a, b) => a * b, 1) / blockSize) * typeSize;
    w.addTensor(name, d, typeId, need === data.length && !forced ? data : new Uint8Array(need));
  };

  const q = nHead * headDim;
  const kv = spec.nHeadKv * headDim;
  matrix('token_embd.weight', nEmbd, spec.nVocab);
  if (spec.ropeFreqs) vector('rope_freqs.weight', Float64Array.from({ length: spec.ropeDims / 2 }, (_, i) => Math.fround(1 + (i % 5) * 0.75)));
  for (let l = 0; l < spec.nLayer; l++) {
    const p = `blk.${l}.`;
    vector(`${p}attn_norm.weight`, normalish(r, nEmbd, 1, 0.2));
    matrix(`${p}attn_q.weight`, nEmbd, q);
    matrix(`${p}attn_k.weight`, nEmbd, kv);
    matrix(`${p}attn_v.weight`, nEmbd, kv);
    if (arch === 'qwen2') {
      vector(`${p}attn_q.bias`, normalish(r, q, 0, 0.5));
      vector(`${p}attn_k.bias`, normalish(r, kv, 0, 0.5));
      vector(`${p}attn_v.bias`, normalish(r, kv, 0, 0.5));
    }
    if (arch === 'qwen3') {
      vector(`${p}attn_q_norm.weight`, normalish(r, headDim, 1.3, 0.3));
      vector(`${p}attn_k_norm.weight`, normalish(r, headDim, 1.3, 0.3));
    }
    matrix(`${p}attn_output.weight`, q, nEmbd);
    if (spec.outputBias) vector(`${p}attn_output.bias`, normalish(r, nEmbd, 0, 0.3));
    vector(`${p}ffn_norm.weight`, normalish(r, nEmbd, 1, 0.2));
    matrix(`${p}ffn_gate.weight`, nEmbd, spec.nFf);
    matrix(`${p}ffn_up.weight`, nEmbd, spec.nFf);
    matrix(`${p}ffn_down.weight`, spec.nFf, nEmbd);
  }
  vector('output_norm.weight', normalish(r, nEmbd, 1, 0.2));
  if (!spec.tied) matrix('output.weight', nEmbd, spec.nVocab);
  return { bytes: w.toBytes(), spec, weights };
}

/**
 * A writer of crafted models into `dir` (a test file's temp folder) as m0.gguf, m1.gguf, ...:
 * give it a spec to build, or a model already built; it returns the file's path.
 */
export function tinyModelWriter(dir: string): (model: TinyModelSpec | TinyModel) => string {
  let n = 0;
  return (model) => {
    const m = 'bytes' in model ? model : buildTinyModel(model);
    const path = join(dir, `m${n++}.gguf`);
    writeFileSync(path, m.bytes);
    return path;
  };
}
