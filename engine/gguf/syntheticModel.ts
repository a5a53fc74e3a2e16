/**
 * Synthetic random models for tests and benchmarks: writeSyntheticModel(path, options) writes a
 * GGUF that llama.cpp and this engine load (llama, qwen2, qwen3; F32, F16, Q8_0, Q4_0, Q4_K,
 * Q6_K), with random weights at well-conditioned scales, deterministic per seed, streamed to disk
 * row batch by row batch (memory stays at a few MB even for the 1B-parameter preset). Plans
 * (engine/gguf/synthetic/syntheticPlan.ts) can be edited before writing, e.g. to drop a tensor
 * or change a shape when crafting a broken model for a loader test.
 */
import { EngineError } from '../errors.js';
import { GgmlType } from './ggmlTypes.js';
import { quantizedBytes, quantizeRow } from './quantize/quantizeRow.js';
import { SeededNormal } from './synthetic/seededNormal.js';
import { planSyntheticModel, type SyntheticModelOptions, type SyntheticPlan, type SyntheticTensor } from './synthetic/syntheticPlan.js';
import { writeGgufStreaming, type StreamedTensor, type StreamingWriteOptions } from './synthetic/writeGgufStreaming.js';

export { planSyntheticModel, weightTypeFor } from './synthetic/syntheticPlan.js';
export type { SyntheticArch, SyntheticModelOptions, SyntheticPlan, SyntheticTensor, TensorInit } from './synthetic/syntheticPlan.js';

/** Values per generated batch (rows are grouped up to this size before quantization): 4 MiB of f32. */
const BATCH_VALUES = 1 << 20;

/**
 * RoPE frequency divisors of Llama 3.x long-context scaling (rope_scaling type "llama3"), as
 * llama.cpp's converter computes them for rope_freqs.weight: pair i rotates by
 * pos · theta^(-2i/headDim) / result[i].
 */
export function llama3RopeFreqs(p: {
  headDim: number;
  theta: number;
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalContext: number;
}): Float32Array {
  const out = new Float32Array(p.headDim / 2);
  const lowWavelen = p.originalContext / p.lowFreqFactor;
  const highWavelen = p.originalContext / p.highFreqFactor;
  for (let i = 0; i < out.length; i++) {
    const wavelen = (2 * Math.PI) / p.theta ** ((-2 * i) / p.headDim);
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = p.factor;
    else {
      const smooth = (p.originalContext / wavelen - p.lowFreqFactor) / (p.highFreqFactor - p.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / p.factor + smooth);
    }
  }
  return out;
}

type PresetShape = Omit<SyntheticModelOptions, 'weightType' | 'seed' | 'vocab'>;

/** Shapes of real models (weights random): use as `{ ...SYNTHETIC_PRESETS['qwen2.5-0.5b'], weightType, seed }`. */
export const SYNTHETIC_PRESETS: Readonly<Record<'qwen2.5-0.5b' | 'llama-3.2-1b', PresetShape>> = {
  'qwen2.5-0.5b': {
    arch: 'qwen2', nLayer: 24, nEmbd: 896, nHead: 14, nHeadKv: 2, nFf: 4864, nVocab: 151936,
    nCtx: 32768, ropeTheta: 1_000_000, tiedEmbeddings: true, rmsEps: 1e-6, name: 'synthetic-qwen2.5-0.5b',
  },
  'llama-3.2-1b': {
    arch: 'llama', nLayer: 16, nEmbd: 2048, nHead: 32, nHeadKv: 8, nFf: 8192, nVocab: 128256,
    nCtx: 131072, ropeTheta: 500_000, tiedEmbeddings: true, rmsEps: 1e-5, name: 'synthetic-llama-3.2-1b',
    ropeFreqs: llama3RopeFreqs({ headDim: 64, theta: 500_000, factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 }),
  },
};

/** The F32 values of rows [r0, r1) of a tensor, [r1 - r0, rowLen] row-major. */
function generateRows(t: SyntheticTensor, seed: number, r0: number, r1: number): Float32Array {
  const rowLen = t.dims[0];
  const out = new Float32Array((r1 - r0) * rowLen);
  if (t.init.kind === 'values') {
    out.set(t.init.values.subarray(r0 * rowLen, r1 * rowLen));
    return out;
  }
  const { mean, std, rowLogStd } = t.init;
  for (let r = r0; r < r1; r++) {
    const rng = new SeededNormal(seed, t.name, r);
    const rowStd = rowLogStd ? std * Math.exp(rowLogStd * rng.normal()) : std;
    rng.fillNormal(out.subarray((r - r0) * rowLen, (r - r0 + 1) * rowLen), mean, rowStd);
  }
  return out;
}

function streamed(t: SyntheticTensor, seed: number): StreamedTensor {
  const rowLen = t.dims[0];
  const rows = t.dims.slice(1).reduce((a, b) => a * b, 1);
  if (t.init.kind === 'values' && t.init.values.length !== rowLen * rows) {
    throw new EngineError('INVALID_ARGUMENT', `tensor "${t.name}": ${t.init.values.length} values for dims [${t.dims.join(', ')}]`);
  }
  quantizedBytes(t.type, rowLen); // throws RangeError for a row that is not whole blocks
  const batchRows = Math.max(1, Math.floor(BATCH_VALUES / rowLen));
  return {
    name: t.name,
    dims: t.dims,
    type: GgmlType[t.type],
    async produce(write) {
      for (let r0 = 0; r0 < rows; r0 += batchRows) {
        const r1 = Math.min(rows, r0 + batchRows);
        await write(quantizeRow(t.type, generateRows(t, seed, r0, r1)));
      }
    },
  };
}

/**
 * Writes a (possibly edited) plan to `path` atomically. Returns the file size in bytes.
 * @throws EngineError INVALID_ARGUMENT, IO_ERROR; the signal's reason when aborted (no file is left)
 */
export async function writeSyntheticPlan(path: string, plan: SyntheticPlan, options: StreamingWriteOptions = {}): Promise<number> {
  return writeGgufStreaming(path, plan.metadata, plan.tensors.map((t) => streamed(t, plan.seed)), options);
}

/**
 * Writes a synthetic random model to `path` (replacing it atomically; the folder must exist).
 * Returns the file size in bytes. Same options and seed ⇒ same bytes.
 * @throws EngineError INVALID_ARGUMENT naming the bad option, IO_ERROR; the signal's reason when aborted
 */
export async function writeSyntheticModel(path: string, options: SyntheticModelOptions, io: StreamingWriteOptions = {}): Promise<number> {
  return writeSyntheticPlan(path, planSyntheticModel(options), io);
}
