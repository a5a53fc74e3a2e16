/**
 * describeModel: a JSON-safe summary of a GGUF model (architecture, sizes, hyperparameters, RoPE,
 * tokenizer, quantization) and whether this engine can run it. Never throws for a file the
 * reader accepted: missing or mistyped keys become null fields and entries in support.problems.
 */
import type { GgufFileInfo } from '../binding/GgufBinding.js';
import { EngineError } from '../errors.js';
import { ggmlTypeById } from '../gguf/ggmlTypes.js';
import { fileTypeLabel } from './fileTypes.js';
import { mdBool, mdHas, mdInt, mdNumber, mdString, mdStringArray, type GgufMetadata } from './gguf.js';

/** Architectures the forward pass implements. */
export const SUPPORTED_ARCHITECTURES: readonly string[] = ['llama', 'qwen2', 'qwen3'];

/** llama.cpp's default RoPE base when `<arch>.rope.freq_base` is absent. */
export const DEFAULT_ROPE_FREQ_BASE = 10000;

/** Summary of a model file, as printed by `infllm info`. */
export interface ModelInfo {
  path: string;
  /** general.architecture (null when absent). */
  architecture: string | null;
  /** general.name (null when absent). */
  name: string | null;
  ggufVersion: number;
  fileSize: number;
  /** general.file_type and its llama.cpp label ("Q4_K_M"); label "<TYPE> (guessed)" from the tensors when the key is absent. */
  fileType: { id: number | null; label: string | null };
  /** Number of tensors of each GGML type, e.g. { F32: 5, Q4_K: 13 }. */
  tensorTypes: Record<string, number>;
  nTensors: number;
  /** Sum over tensors of their element counts. */
  parameterCount: number;
  nCtxTrain: number | null;
  nEmbd: number | null;
  nLayer: number | null;
  nHead: number | null;
  /** Defaults to nHead when the key is absent. */
  nHeadKv: number | null;
  /** `<arch>.attention.key_length`, else nEmbd / nHead. */
  headDim: number | null;
  nFf: number | null;
  /** `<arch>.vocab_size`, else the length of tokenizer.ggml.tokens. */
  vocabSize: number | null;
  rope: {
    /** Effective base: the file's value or {@link DEFAULT_ROPE_FREQ_BASE}. */
    freqBase: number;
    freqBaseInFile: boolean;
    /** Rotated dimensions (defaults to headDim). */
    dimensionCount: number | null;
    scalingType: string | null;
    scalingFactor: number | null;
    /** A rope_freqs.weight tensor (Llama-3.1 frequency factors) is present. */
    ropeFreqs: boolean;
  };
  rmsEps: number | null;
  tokenizer: { model: string | null; pre: string | null; bosId: number | null; eosId: number | null; addBos: boolean | null };
  hasChatTemplate: boolean;
  support: { architecture: boolean; tensorTypes: boolean; problems: string[] };
}

/** Runs a metadata getter; a BAD_METADATA error becomes null plus a problem entry. */
function soft<T>(problems: string[], get: () => T): T | null {
  try {
    return get();
  } catch (err) {
    if (err instanceof EngineError && err.code === 'BAD_METADATA') {
      problems.push(err.message);
      return null;
    }
    throw err;
  }
}

/** The key's value, or null when absent (a wrong type is recorded as a problem). */
function opt<T>(md: GgufMetadata, problems: string[], key: string, get: (md: GgufMetadata, key: string) => T): T | null {
  return mdHas(md, key) ? soft(problems, () => get(md, key)) : null;
}

function countTensorTypes(file: GgufFileInfo): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of file.tensors) counts[t.typeName] = (counts[t.typeName] ?? 0) + 1;
  return counts;
}

function fileTypeOf(md: GgufMetadata, problems: string[], file: GgufFileInfo): ModelInfo['fileType'] {
  const id = opt(md, problems, 'general.file_type', mdInt);
  if (id !== null) return { id, label: fileTypeLabel(id) ?? `unknown (${id})` };
  // Guess: the most common type among matrices (norm vectors stay F32 in every quantization).
  const counts: Record<string, number> = {};
  for (const t of file.tensors) if (t.dims.length >= 2) counts[t.typeName] = (counts[t.typeName] ?? 0) + 1;
  const best = Object.entries(counts).sort((a, b) => b[1] - a[1])[0];
  return { id: null, label: best ? `${best[0]} (guessed)` : null };
}

function ropeOf(md: GgufMetadata, problems: string[], arch: string, headDim: number | null, file: GgufFileInfo): ModelInfo['rope'] {
  const base = opt(md, problems, `${arch}.rope.freq_base`, mdNumber);
  const linear = opt(md, problems, `${arch}.rope.scale_linear`, mdNumber);
  return {
    freqBase: base ?? DEFAULT_ROPE_FREQ_BASE,
    freqBaseInFile: base !== null,
    dimensionCount: opt(md, problems, `${arch}.rope.dimension_count`, mdInt) ?? headDim,
    scalingType: opt(md, problems, `${arch}.rope.scaling.type`, mdString) ?? (linear !== null ? 'linear' : null),
    scalingFactor: opt(md, problems, `${arch}.rope.scaling.factor`, mdNumber) ?? linear,
    ropeFreqs: file.tensors.some((t) => t.name === 'rope_freqs.weight'),
  };
}

function supportOf(arch: string | null, tensorTypes: Record<string, number>, file: GgufFileInfo, problems: string[]): ModelInfo['support'] {
  const archOk = arch !== null && SUPPORTED_ARCHITECTURES.includes(arch);
  if (!archOk) {
    problems.push(`architecture ${arch === null ? '(none)' : `"${arch}"`} is not supported (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`);
  }
  const unsupported = Object.keys(tensorTypes).filter((name) => {
    const t = file.tensors.find((x) => x.typeName === name)!;
    return !ggmlTypeById(t.type)?.supported;
  });
  if (unsupported.length > 0) problems.push(`unsupported tensor types: ${unsupported.join(', ')}`);
  if (file.tensors.length === 0) problems.push('the file has no tensors (vocabulary only)');
  return { architecture: archOk, tensorTypes: unsupported.length === 0, problems };
}

/** Summarises a parsed GGUF file; see {@link ModelInfo}. */
export function describeModel(file: GgufFileInfo): ModelInfo {
  const md = file.metadata;
  const problems: string[] = [];
  const arch = opt(md, problems, 'general.architecture', mdString);
  if (arch === null && !mdHas(md, 'general.architecture')) problems.push('metadata key "general.architecture" is missing');
  const a = arch ?? '';
  const int = (key: string): number | null => opt(md, problems, `${a}.${key}`, mdInt);
  const nEmbd = int('embedding_length');
  const nLayer = int('block_count');
  const nHead = int('attention.head_count');
  if (arch !== null && SUPPORTED_ARCHITECTURES.includes(arch)) {
    for (const [key, v] of [['embedding_length', nEmbd], ['block_count', nLayer], ['attention.head_count', nHead]] as const) {
      if (v === null && !mdHas(md, `${a}.${key}`)) problems.push(`metadata key "${a}.${key}" is missing`);
    }
  }
  const headDim = int('attention.key_length') ?? (nEmbd !== null && nHead && nEmbd % nHead === 0 ? nEmbd / nHead : null);
  const tokens = opt(md, problems, 'tokenizer.ggml.tokens', mdStringArray);
  const tensorTypes = countTensorTypes(file);
  return {
    path: file.path,
    architecture: arch,
    name: opt(md, problems, 'general.name', mdString),
    ggufVersion: file.version,
    fileSize: file.fileSize,
    fileType: fileTypeOf(md, problems, file),
    tensorTypes,
    nTensors: file.tensors.length,
    parameterCount: file.tensors.reduce((sum, t) => sum + t.dims.reduce((p, d) => p * d, 1), 0),
    nCtxTrain: int('context_length'),
    nEmbd,
    nLayer,
    nHead,
    nHeadKv: int('attention.head_count_kv') ?? nHead,
    headDim,
    nFf: int('feed_forward_length'),
    vocabSize: int('vocab_size') ?? tokens?.length ?? null,
    rope: ropeOf(md, problems, a, headDim, file),
    rmsEps: opt(md, problems, `${a}.attention.layer_norm_rms_epsilon`, mdNumber),
    tokenizer: {
      model: opt(md, problems, 'tokenizer.ggml.model', mdString),
      pre: opt(md, problems, 'tokenizer.ggml.pre', mdString),
      bosId: opt(md, problems, 'tokenizer.ggml.bos_token_id', mdInt),
      eosId: opt(md, problems, 'tokenizer.ggml.eos_token_id', mdInt),
      addBos: opt(md, problems, 'tokenizer.ggml.add_bos_token', mdBool),
    },
    hasChatTemplate: mdHas(md, 'tokenizer.chat_template'),
    support: supportOf(arch, tensorTypes, file, problems),
  };
}
