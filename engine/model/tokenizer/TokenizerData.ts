/**
 * Everything a tokenizer needs, read from GGUF metadata (the tokenizer.ggml.* keys) with
 * llama.cpp's defaults where keys are absent (src/llama-vocab.cpp, llama_vocab::impl::load, at
 * commit c392e50): special ids per vocabulary kind, add-BOS for SPM vocabularies, per-pre-type
 * flags, token attributes and the end-of-generation set.
 */
import { EngineError } from '../../errors.js';
import { mdBool, mdFloat32Array, mdHas, mdInt, mdInt32Array, mdString, mdStringArray, type GgufMetadata } from '../gguf.js';
import { applyAttrFixups, attrOfType, TokenType } from './tokenAttrs.js';
import { preTokenizerFlags } from './preTokenizerSpecs.js';

/** Which algorithm a vocabulary uses. */
export type TokenizerKind = 'spm' | 'bpe' | 'wpm';

/** Parsed tokenizer metadata. Ids are null when the model has no such token. */
export interface TokenizerData {
  /** tokenizer.ggml.model as stored ("llama", "gpt2", "bert"). */
  model: string;
  kind: TokenizerKind;
  /** tokenizer.ggml.pre; "default" when absent. Only BPE vocabularies use it. */
  pre: string;
  /** [vocabSize] token texts (empty texts replaced by "[EMPTY_<id>]", as llama.cpp does). */
  tokens: string[];
  /** Text → id for every token (texts are unique). */
  tokenToId: ReadonlyMap<string, number>;
  /** [vocabSize] scores (0 when the key is absent). */
  scores: Float32Array;
  /** [vocabSize] GGUF token types (NORMAL when the key is absent). */
  tokenTypes: Int32Array;
  /** [vocabSize] llama.cpp token attributes (see tokenAttrs.ts), after load-time fix-ups. */
  attrs: Uint16Array;
  /** BPE merges "left right", rank = index. Empty for other kinds. */
  merges: string[];
  bos: number | null;
  eos: number | null;
  eot: number | null;
  eom: number | null;
  unk: number | null;
  sep: number | null;
  pad: number | null;
  mask: number | null;
  /** Every token that ends generation (EOS, EOT, EOM and end-of-turn texts). */
  eogIds: number[];
  /** Prepend BOS when encoding with addSpecial (default: true for SPM and WPM, false for BPE except llama3). */
  addBos: boolean;
  /** Append EOS when encoding with addSpecial (default false). */
  addEos: boolean;
  /** SPM: prefix each text fragment with a space (default true for SPM). */
  addSpacePrefix: boolean;
  /** tokenizer.ggml.remove_extra_whitespaces (used by no supported kind; kept for completeness). */
  removeExtraWhitespaces: boolean;
  /** Detokenizer removes spaces before punctuation ("clean_up_tokenization_spaces"). */
  cleanSpaces: boolean;
  /** BPE: a pre-token that is itself a token is not merged further (llama3). */
  ignoreMerges: boolean;
  /** Longest token text in UTF-8 bytes. */
  maxTokenLen: number;
  /** general.name, lowercased by llama.cpp for a few model-specific rules. */
  modelName: string;
  /** tokenizer.chat_template, when present. */
  chatTemplate?: string;
}

function bad(message: string): EngineError {
  return new EngineError('BAD_METADATA', message);
}

/** An optional id key; absent → undefined. */
function optId(md: GgufMetadata, key: string): number | undefined {
  return mdHas(md, key) ? mdInt(md, key) : undefined;
}

/** tokenizer.ggml.scores: f32 (or i32, which llama.cpp also accepts) with at least n entries. */
function readScores(md: GgufMetadata, n: number): Float32Array {
  const key = 'tokenizer.ggml.scores';
  if (!mdHas(md, key)) return new Float32Array(n);
  const v = md[key];
  const arr = v instanceof Int32Array ? Float32Array.from(v) : mdFloat32Array(md, key);
  if (arr.length < n) throw bad(`${key} has ${arr.length} entries for ${n} tokens`);
  return arr.length === n ? arr : arr.slice(0, n);
}

/** tokenizer.ggml.token_type with at least n entries (all NORMAL when absent). */
function readTokenTypes(md: GgufMetadata, n: number): Int32Array {
  const key = 'tokenizer.ggml.token_type';
  if (!mdHas(md, key)) return new Int32Array(n).fill(TokenType.NORMAL);
  const arr = mdInt32Array(md, key);
  if (arr.length < n) throw bad(`${key} has ${arr.length} entries for ${n} tokens`);
  return arr.length === n ? arr : arr.slice(0, n);
}

function kindOf(model: string): TokenizerKind {
  if (model === 'llama') return 'spm';
  if (model === 'gpt2') return 'bpe';
  if (model === 'bert') return 'wpm';
  throw new EngineError('TOKENIZER_ERROR', `unsupported tokenizer model "${model}" (supported: llama, gpt2, bert)`);
}

type SpecialName = 'bos' | 'eos' | 'eot' | 'eom' | 'unk' | 'sep' | 'pad' | 'mask';
type SpecialIds = Record<SpecialName, number | null>;

/** llama.cpp's default special ids per vocabulary kind. */
function defaultIds(kind: TokenizerKind): SpecialIds {
  const none = { eot: null, eom: null };
  if (kind === 'spm') return { bos: 1, eos: 2, unk: 0, sep: null, pad: null, mask: null, ...none };
  if (kind === 'wpm') return { bos: 101, eos: null, unk: 100, sep: 102, pad: 0, mask: 103, ...none };
  return { bos: 11, eos: 11, unk: null, sep: null, pad: null, mask: null, ...none };
}

const SPECIAL_KEYS: [SpecialName, string][] = [
  ['bos', 'tokenizer.ggml.bos_token_id'],
  ['eos', 'tokenizer.ggml.eos_token_id'],
  ['eot', 'tokenizer.ggml.eot_token_id'],
  ['eom', 'tokenizer.ggml.eom_token_id'],
  ['unk', 'tokenizer.ggml.unknown_token_id'],
  ['sep', 'tokenizer.ggml.seperator_token_id'],
  ['pad', 'tokenizer.ggml.padding_token_id'],
  ['mask', 'tokenizer.ggml.mask_token_id'],
];

/** Special ids: defaults, then the keys; defaults outside the vocabulary are disabled, keys outside it ignored. */
function readSpecialIds(md: GgufMetadata, kind: TokenizerKind, n: number, noBos: boolean): SpecialIds {
  const ids = defaultIds(kind);
  if (noBos) ids.bos = null;
  for (const [name, key] of SPECIAL_KEYS) {
    let v = optId(md, key);
    if (v === undefined && name === 'bos' && kind === 'wpm') v = optId(md, 'tokenizer.ggml.cls_token_id');
    const current = ids[name];
    if (current !== null && current >= n) ids[name] = null;
    if (v !== undefined && v >= 0 && v < n) ids[name] = v;
  }
  return ids;
}

/** Vocabulary flags: per kind, then per pre-tokenizer (BPE), then explicit keys. */
function readFlags(md: GgufMetadata, kind: TokenizerKind, pre: string) {
  const flags = { addBos: kind !== 'bpe', addEos: false, addSpacePrefix: kind === 'spm', cleanSpaces: kind !== 'spm', ignoreMerges: false, noBos: false };
  if (kind === 'bpe') Object.assign(flags, preTokenizerFlags(pre));
  return {
    ...flags,
    addSpacePrefix: mdBool(md, 'tokenizer.ggml.add_space_prefix', flags.addSpacePrefix),
    removeExtraWhitespaces: mdBool(md, 'tokenizer.ggml.remove_extra_whitespaces', false),
    addBos: mdBool(md, 'tokenizer.ggml.add_bos_token', flags.addBos),
    addEos: mdBool(md, 'tokenizer.ggml.add_eos_token', flags.addEos),
  };
}

function readTokens(md: GgufMetadata): { tokens: string[]; tokenToId: Map<string, number>; maxTokenLen: number } {
  const tokens = mdStringArray(md, 'tokenizer.ggml.tokens').map((t, i) => (t === '' ? `[EMPTY_${i}]` : t));
  const tokenToId = new Map<string, number>();
  let maxTokenLen = 0;
  tokens.forEach((t, i) => {
    const prev = tokenToId.get(t);
    if (prev !== undefined) throw bad(`duplicate token in vocabulary: ${JSON.stringify(t)} has ids ${prev} and ${i}`);
    tokenToId.set(t, i);
    maxTokenLen = Math.max(maxTokenLen, Buffer.byteLength(t));
  });
  return { tokens, tokenToId, maxTokenLen };
}

/**
 * Builds {@link TokenizerData} from a GGUF metadata record. Throws EngineError BAD_METADATA for
 * malformed keys and TOKENIZER_ERROR for unsupported tokenizer models or pre-tokenizers.
 */
export function tokenizerDataFromMetadata(md: GgufMetadata): TokenizerData {
  const model = mdString(md, 'tokenizer.ggml.model');
  const kind = kindOf(model);
  const pre = mdString(md, 'tokenizer.ggml.pre', '') || 'default';
  const { tokens, tokenToId, maxTokenLen } = readTokens(md);
  const n = tokens.length;

  const scores = readScores(md, n);
  const tokenTypes = readTokenTypes(md, n);
  const attrs = new Uint16Array(n);
  for (let i = 0; i < n; i++) attrs[i] = attrOfType(tokenTypes[i]);

  const merges = kind === 'bpe' ? mdStringArray(md, 'tokenizer.ggml.merges') : [];
  const { noBos, ...flags } = readFlags(md, kind, pre);
  const ids = readSpecialIds(md, kind, n, noBos);
  if (flags.addBos && ids.bos === null) throw bad('tokenizer.ggml.add_bos_token is true, but there is no BOS token');
  if (flags.addEos && ids.eos === null) throw bad('tokenizer.ggml.add_eos_token is true, but there is no EOS token');

  const modelName = mdString(md, 'general.name', '');
  const eog = applyAttrFixups(tokenToId, attrs, ids, { modelName, pre });
  const chatTemplate = mdHas(md, 'tokenizer.chat_template') ? mdString(md, 'tokenizer.chat_template') : undefined;

  return {
    model,
    kind,
    pre,
    tokens,
    tokenToId,
    scores,
    tokenTypes,
    attrs,
    merges,
    ...ids,
    eogIds: [...eog].sort((a, b) => a - b),
    ...flags,
    maxTokenLen,
    modelName,
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
  };
}
