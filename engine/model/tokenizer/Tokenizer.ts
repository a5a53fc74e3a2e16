/**
 * The tokenizer of a GGUF model with llama.cpp's semantics (src/llama-vocab.cpp, c392e50): special
 * token partition, then SPM, BPE or WordPiece per text fragment, BOS/EOS per the vocabulary
 * flags; pieces and detokenization (leading-space removal, clean-up of spaces). Every token also
 * gets the UTF-16 offset in the input where it starts, for mapping tokens back to documents.
 */
import { EngineError } from '../../errors.js';
import { BpeModel } from './BpeModel.js';
import { cleanSpaces } from './cleanSpaces.js';
import { SpecialPartitioner, type SpecialToken } from './partitionSpecial.js';
import { PieceTable } from './pieces.js';
import { PreTokenizer } from './preTokenize.js';
import { preTokenizerSpec } from './preTokenizerSpecs.js';
import { SpmModel } from './SpmModel.js';
import { Attr } from './tokenAttrs.js';
import type { TokenizerData, TokenizerKind } from './TokenizerData.js';
import { codePointsOf, utf8Len } from './unicode.js';
import { WpmModel } from './WpmModel.js';

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Add the model's BOS/EOS (WordPiece: CLS/SEP) as its vocabulary says. Default true. */
  addSpecial?: boolean;
  /** Turn control-token texts in the input (e.g. "<|im_start|>") into their ids. Default true. */
  parseSpecial?: boolean;
}

/** Token ids plus where each starts in the input. */
export interface EncodedText {
  ids: number[];
  /**
   * [ids.length] UTF-16 index in the input of the character where each token's first byte lies
   * (tokens of one character share it). Tokens added by addSpecial are zero-length: BOS/CLS at 0,
   * EOS/SEP at the text's length. Non-decreasing.
   */
  offsets: Int32Array;
}

/** A model's tokenizer. */
export interface Tokenizer {
  /** Everything read from the GGUF (token texts, types, flags, special ids). */
  readonly data: TokenizerData;
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly eot: number | null;
  /** Whether encode() with addSpecial prepends BOS. */
  readonly addBos: boolean;
  /** Control, user-defined and unknown tokens (the texts parseSpecial recognises), longest first. */
  readonly specialTokens: readonly SpecialToken[];
  /** The model's Jinja chat template (GGUF tokenizer.chat_template), if it has one. */
  readonly chatTemplate: string | undefined;
  encode(text: string, options?: EncodeOptions): number[];
  encodeWithOffsets(text: string, options?: EncodeOptions): EncodedText;
  /** Text of `ids`. skipSpecial (default false) renders control tokens as nothing and drops a leading BOS. */
  decode(ids: readonly number[], options?: { skipSpecial?: boolean }): string;
  /** Raw bytes of one token (possibly half a UTF-8 character). special (default true) renders control tokens as their text. */
  tokenToPiece(id: number, options?: { special?: boolean }): Uint8Array;
  /** True for tokens that end generation (EOS, EOT, end-of-turn texts). */
  isEog(id: number): boolean;
  /** The id of a vocabulary entry by its exact text, or undefined. */
  tokenId(text: string): number | undefined;
  /** The vocabulary text of a token. */
  tokenText(id: number): string;
}

const encoder = new TextEncoder();

/** Replaces lone surrogates by U+FFFD (same length, so offsets stay valid). */
function wellFormed(text: string): string {
  return /[\uD800-\uDFFF]/.test(text) ? text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') : text;
}

/** {@link Tokenizer} built from {@link TokenizerData}. */
export class LlamaTokenizer implements Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly eot: number | null;
  readonly addBos: boolean;
  readonly specialTokens: readonly SpecialToken[];
  readonly chatTemplate: string | undefined;
  private readonly tokenToId: ReadonlyMap<string, number>;
  private readonly eog: Set<number>;
  private readonly pieces: PieceTable;
  private readonly partitioner: SpecialPartitioner;
  private readonly spm?: SpmModel;
  private readonly bpe?: { model: BpeModel; pre: PreTokenizer };
  private readonly wpm?: WpmModel;

  constructor(readonly data: TokenizerData) {
    this.kind = data.kind;
    this.vocabSize = data.tokens.length;
    this.bos = data.bos;
    this.eos = data.eos;
    this.eot = data.eot;
    this.addBos = data.addBos;
    this.chatTemplate = data.chatTemplate;
    this.tokenToId = data.tokenToId;
    this.eog = new Set(data.eogIds);
    this.pieces = new PieceTable(data);
    const specials: (SpecialToken & { bytes: number })[] = [];
    data.attrs.forEach((attr, id) => {
      if (attr & (Attr.CONTROL | Attr.USER_DEFINED | Attr.UNKNOWN)) {
        specials.push({ id, text: data.tokens[id], attr, bytes: Buffer.byteLength(data.tokens[id]) });
      }
    });
    specials.sort((a, b) => b.bytes - a.bytes || a.id - b.id);
    this.specialTokens = specials.map(({ id, text, attr }) => ({ id, text, attr }));
    this.partitioner = new SpecialPartitioner(this.specialTokens);
    if (data.kind === 'spm') this.spm = new SpmModel(this.tokenToId, data.scores, data.unk);
    else if (data.kind === 'bpe') {
      const spec = preTokenizerSpec(data.pre);
      this.bpe = { model: new BpeModel(this.tokenToId, data.merges, data.ignoreMerges), pre: new PreTokenizer(spec) };
    } else this.wpm = new WpmModel(this.tokenToId, data.unk, data.maxTokenLen);
  }

  encode(text: string, options?: EncodeOptions): number[] {
    return this.encodeWithOffsets(text, options).ids;
  }

  encodeWithOffsets(text: string, options: EncodeOptions = {}): EncodedText {
    const { addSpecial = true, parseSpecial = true } = options;
    text = wellFormed(text);
    const d = this.data;
    const ids: number[] = [];
    const offs: number[] = [];
    const push = (id: number, off: number) => {
      ids.push(id);
      offs.push(off);
    };
    const fragments = this.partitioner.partition(text, parseSpecial);
    const addStart = addSpecial && (this.kind === 'wpm' || d.addBos);
    if (addStart) {
      if (d.bos === null) throw new EngineError('TOKENIZER_ERROR', 'the model adds BOS but has no BOS token');
      push(d.bos, 0);
    }
    let prevSpecial = true;
    for (const f of fragments) {
      if (f.id >= 0) {
        push(f.id, f.start);
        prevSpecial = true;
        continue;
      }
      if (this.spm) this.encodeSpm(text, f.start, f.end, prevSpecial, push);
      else if (this.bpe) this.encodeBpe(text, f.start, f.end, push);
      else (this.wpm as WpmModel).encode(text, f.start, f.end, ids, offs);
      prevSpecial = false;
    }
    if (addSpecial && this.kind === 'wpm') {
      if (d.sep === null) throw new EngineError('TOKENIZER_ERROR', 'the model adds SEP but has no SEP token');
      push(d.sep, text.length);
    } else if (addSpecial && d.addEos) {
      push(d.eos as number, text.length);
    }
    return { ids, offsets: Int32Array.from(offs) };
  }

  private encodeSpm(text: string, start: number, end: number, prevSpecial: boolean, push: (id: number, off: number) => void): void {
    const prefix = this.data.addSpacePrefix && prevSpecial ? 1 : 0;
    const escaped = (prefix ? ' ' : '') + text.substring(start, end);
    const ids: number[] = [];
    const starts: number[] = [];
    (this.spm as SpmModel).encode(escaped.replaceAll(' ', '\u2581'), ids, starts);
    for (let i = 0; i < ids.length; i++) push(ids[i], start + Math.max(0, starts[i] - prefix));
  }

  private encodeBpe(text: string, start: number, end: number, push: (id: number, off: number) => void): void {
    const { model, pre } = this.bpe as { model: BpeModel; pre: PreTokenizer };
    const { cps, u16, n } = codePointsOf(text, start, end);
    // [n + 1] byte offset of each code point in the fragment's UTF-8, and the UTF-8 itself.
    const cpByte = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) cpByte[i + 1] = cpByte[i] + utf8Len(cps[i]);
    const bytes = new Uint8Array(cpByte[n]);
    encoder.encodeInto(text.substring(start, end), bytes);
    let k = 0;
    for (const len of pre.split(cps)) {
      const base = cpByte[k];
      const word = model.encodeWord(text.substring(u16[k], u16[k + len]), bytes.subarray(base, cpByte[k + len]));
      // Map each token's first byte to the code point holding it (offsets increase).
      let cp = k;
      for (let t = 0; t < word.ids.length; t++) {
        const b = base + word.byteStarts[t];
        while (cpByte[cp + 1] <= b) cp++;
        push(word.ids[t], u16[cp]);
      }
      k += len;
    }
  }

  decode(ids: readonly number[], options: { skipSpecial?: boolean } = {}): string {
    const skipSpecial = options.skipSpecial ?? false;
    for (const id of ids) this.checkId(id);
    const d = this.data;
    let first = 0;
    let last = ids.length;
    let removeSpace = d.addSpacePrefix;
    if (skipSpecial && d.addBos && last > 0 && ids[0] === d.bos) {
      removeSpace = false;
      first = 1;
    }
    if (skipSpecial && d.addEos && last > first && ids[last - 1] === d.eos) last--;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = first; i < last; i++) {
      let p = this.pieces.piece(ids[i], !skipSpecial);
      if (removeSpace && p.length > 0 && p[0] === 0x20) p = p.subarray(1);
      removeSpace = false;
      parts.push(p);
      total += p.length;
    }
    let bytes: Uint8Array = new Uint8Array(total);
    let pos = 0;
    for (const p of parts) {
      bytes.set(p, pos);
      pos += p.length;
    }
    if (d.cleanSpaces) bytes = cleanSpaces(bytes).bytes;
    return new TextDecoder().decode(bytes);
  }

  tokenToPiece(id: number, options: { special?: boolean } = {}): Uint8Array {
    this.checkId(id);
    return this.pieces.piece(id, options.special ?? true);
  }

  isEog(id: number): boolean {
    return this.eog.has(id);
  }

  tokenId(text: string): number | undefined {
    return this.tokenToId.get(text);
  }

  tokenText(id: number): string {
    this.checkId(id);
    return this.data.tokens[id];
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new EngineError('INVALID_ARGUMENT', `token id ${id} is out of range (vocabulary size ${this.vocabSize})`);
    }
  }
}
