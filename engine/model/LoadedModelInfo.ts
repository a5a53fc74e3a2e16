/**
 * The plain description of a loaded model (Model.info): identity, size, quantization and
 * hyperparameters, built from the native model's info and the file's metadata. JSON-safe.
 */
import type { NativeModelInfo } from '../binding/ModelBinding.js';
import type { GgufFileInfo } from './gguf.js';
import { describeModel } from './modelInfo.js';
import type { Tokenizer } from './tokenizer/Tokenizer.js';

/** The fields of {@link LoadedModelInfo} that are the native model's own, as it reports them. */
type NativeInfoFields = Pick<
  NativeModelInfo,
  | 'architecture'
  | 'tensorTypes'
  | 'weightBytes'
  | 'fingerprint'
  | 'memoryFormat'
  | 'nCtxTrain'
  | 'nVocab'
  | 'nEmbd'
  | 'nLayer'
  | 'nHead'
  | 'nHeadKv'
  | 'headDim'
  | 'nFf'
  | 'ropeFreqBase'
  | 'tiedEmbeddings'
  | 'threads'
  | 'numerics'
>;

/** What Model.info holds: the native model's identity and hyperparameters, and the file's. */
export interface LoadedModelInfo extends NativeInfoFields {
  path: string;
  /** general.name, or null. */
  name: string | null;
  /** Sum of the tensors' element counts. */
  parameterCount: number;
  /** llama.cpp's label of the file type ("Q4_K_M", "F32", "Q8_0 (guessed)"), or null. */
  quantization: string | null;
  fileSize: number;
  /** The file carries a chat template (tokenizer.chat_template). */
  hasChatTemplate: boolean;
  tokenizer: { kind: Tokenizer['kind']; bos: number | null; eos: number | null; addBos: boolean };
}

/** Combines the native info, the file summary and the tokenizer into a {@link LoadedModelInfo}. */
export function loadedModelInfo(native: NativeModelInfo, file: GgufFileInfo, tokenizer: Tokenizer): LoadedModelInfo {
  const d = describeModel(file);
  return {
    path: file.path,
    name: d.name,
    architecture: native.architecture,
    parameterCount: d.parameterCount,
    quantization: d.fileType.label,
    tensorTypes: { ...native.tensorTypes },
    fileSize: file.fileSize,
    weightBytes: native.weightBytes,
    fingerprint: native.fingerprint,
    memoryFormat: native.memoryFormat,
    nCtxTrain: native.nCtxTrain,
    nVocab: native.nVocab,
    nEmbd: native.nEmbd,
    nLayer: native.nLayer,
    nHead: native.nHead,
    nHeadKv: native.nHeadKv,
    headDim: native.headDim,
    nFf: native.nFf,
    ropeFreqBase: native.ropeFreqBase,
    tiedEmbeddings: native.tiedEmbeddings,
    hasChatTemplate: d.hasChatTemplate,
    tokenizer: { kind: tokenizer.kind, bos: tokenizer.bos, eos: tokenizer.eos, addBos: tokenizer.addBos },
    threads: native.threads,
    numerics: native.numerics,
  };
}
