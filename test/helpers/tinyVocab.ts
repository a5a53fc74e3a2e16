/**
 * Hand-made vocabularies as GGUF metadata records, small enough that every expected tokenization
 * in the unit tests can be worked out by hand.
 */
import type { GgufMetadata } from '../../engine/model/gguf.js';

/** GGUF token types. */
export const T = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER: 4, UNUSED: 5, BYTE: 6 } as const;

export interface TinyToken {
  text: string;
  score?: number;
  type?: number;
}

const byteTokens = (): TinyToken[] =>
  Array.from({ length: 256 }, (_, b) => ({ text: `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, type: T.BYTE }));

/**
 * An SPM ("llama") vocabulary: <unk> 0, <s> 1, </s> 2, then (unless `bytes` is false) the 256
 * byte tokens 3..258, then `tokens` from id 259 (or 3).
 */
export function spmMetadata(tokens: TinyToken[], extra: GgufMetadata = {}, bytes = true): GgufMetadata {
  const all: TinyToken[] = [
    { text: '<unk>', type: T.UNKNOWN },
    { text: '<s>', type: T.CONTROL },
    { text: '</s>', type: T.CONTROL },
    ...(bytes ? byteTokens() : []),
    ...tokens,
  ];
  return {
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': all.map((t) => t.text),
    'tokenizer.ggml.scores': Float32Array.from(all.map((t) => t.score ?? 0)),
    'tokenizer.ggml.token_type': Int32Array.from(all.map((t) => t.type ?? T.NORMAL)),
    ...extra,
  };
}

/** A byte-level BPE ("gpt2") vocabulary with the given tokens (ids in order) and merges. */
export function bpeMetadata(tokens: TinyToken[], merges: string[], pre: string, extra: GgufMetadata = {}): GgufMetadata {
  return {
    'tokenizer.ggml.model': 'gpt2',
    'tokenizer.ggml.pre': pre,
    'tokenizer.ggml.tokens': tokens.map((t) => t.text),
    'tokenizer.ggml.token_type': Int32Array.from(tokens.map((t) => t.type ?? T.NORMAL)),
    'tokenizer.ggml.merges': merges,
    ...extra,
  };
}

/** A WordPiece ("bert") vocabulary: [PAD] 0, fillers, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103, then `tokens` from 104. */
export function wpmMetadata(tokens: string[]): GgufMetadata {
  const all = ['[PAD]', ...Array.from({ length: 99 }, (_, i) => `[unused${i}]`), '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...tokens];
  const types = all.map((t, i) => (i === 0 || (i >= 100 && i <= 103) ? T.CONTROL : T.NORMAL));
  return {
    'tokenizer.ggml.model': 'bert',
    'tokenizer.ggml.tokens': all,
    'tokenizer.ggml.token_type': Int32Array.from(types),
    'tokenizer.ggml.unknown_token_id': 100,
    'tokenizer.ggml.cls_token_id': 101,
    'tokenizer.ggml.seperator_token_id': 102,
  };
}
