/**
 * Token → bytes, as llama.cpp's llama_vocab::impl::token_to_piece (lstrip 0): control and
 * unknown tokens render as their text only when `special` is set, user-defined tokens as their
 * text, normal tokens un-escaped (SPM/WPM: U+2581 → space; BPE: GPT-2 alphabet → bytes), byte
 * tokens as their single byte, and unused/undefined tokens as nothing.
 */
import type { TokenizerData } from './TokenizerData.js';
import { Attr } from './tokenAttrs.js';
import { gpt2CharToByte, utf8Bytes } from './unicode.js';

const EMPTY = new Uint8Array(0);

/** BPE: GPT-2 alphabet text → bytes (llama_decode_text, including its marker for foreign characters). */
function decodeGpt2Text(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const b = gpt2CharToByte(ch.codePointAt(0) as number);
    if (b >= 0) {
      out.push(b);
      continue;
    }
    const hex = [...utf8Bytes(ch)].map((x) => x.toString(16).padStart(2, '0')).join('');
    out.push(...utf8Bytes(`[UNK_BYTE_0x${hex}${text}]`));
  }
  return Uint8Array.from(out);
}

/** "<0xNN>" → NN (llama.cpp token_to_byte). */
function byteOf(text: string): Uint8Array {
  const v = Number.parseInt(text.substring(3, 5), 16);
  return Number.isNaN(v) ? EMPTY : Uint8Array.of(v);
}

/** Computes and caches the pieces of a vocabulary (special = true) lazily. */
export class PieceTable {
  private readonly cache: (Uint8Array | undefined)[];

  constructor(private readonly data: TokenizerData) {
    this.cache = new Array(data.tokens.length);
  }

  /** Raw bytes of token `id` (may be part of a UTF-8 sequence). `id` must be in range. */
  piece(id: number, special: boolean): Uint8Array {
    const attr = this.data.attrs[id];
    if (!special && attr & (Attr.UNKNOWN | Attr.CONTROL)) return EMPTY;
    let p = this.cache[id];
    if (p === undefined) {
      p = this.compute(id, attr);
      this.cache[id] = p;
    }
    return p;
  }

  private compute(id: number, attr: number): Uint8Array {
    const text = this.data.tokens[id];
    if (attr & (Attr.UNKNOWN | Attr.CONTROL | Attr.USER_DEFINED)) return utf8Bytes(text);
    if (attr & Attr.NORMAL) {
      return this.data.kind === 'bpe' ? decodeGpt2Text(text) : utf8Bytes(text.replaceAll('\u2581', ' '));
    }
    if (attr & Attr.BYTE) return byteOf(text);
    return EMPTY;
  }
}
