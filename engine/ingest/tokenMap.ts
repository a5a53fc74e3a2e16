/**
 * Token ↔ character ↔ source mapping of an ingested document. The token stream is
 * prefix (stream positions [0, prefixLength)) + document tokens + whatever follows (question,
 * answer). Document token i covers the characters [offsets[i], offsets[i+1]) of the extracted
 * text (a character split over several byte tokens belongs to the token holding its last byte);
 * InfLLM block b holds the stream positions [nInit + b·B, nInit + (b+1)·B).
 */
import { EngineError } from '../errors.js';
import { locate, type SourceLocation } from './sourceMap.js';
import type { SourceMap } from './types.js';

/** A half-open range [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** Where an InfLLM block's tokens come from. */
export interface BlockSource {
  block: number;
  /** Stream positions [start, end) the block holds. */
  tokenRange: Span;
  /**
   * How many of the block's tokens are prompt prefix, document, and after the document (question,
   * answer). A block with `prefix > 0` straddles the prefix/document boundary (or lies in the
   * prefix); one with `after > 0` reaches into the question.
   */
  parts: { prefix: number; document: number; after: number };
  /** Document token indices [start, end) in the block (start = end when none). */
  documentTokens: Span;
  /** Characters of the extracted text the block's document tokens cover (null: no document token). */
  charRange: Span | null;
  /** Source location of charRange ({kind: 'none'} without document tokens or for unmapped text). */
  location: SourceLocation;
  /** The extracted text in charRange ('' without document tokens). */
  text: string;
}

/** What a TokenMap is built from (saved next to the memory). */
export interface TokenMapData {
  /** Tokens before the document. */
  prefixLength: number;
  /** [nDocumentTokens] UTF-16 offset in the text where each document token starts (non-decreasing). */
  offsets: Int32Array;
  /** InfLLM initial tokens and block size of the memory. */
  nInit: number;
  blockSize: number;
}

/** Maps stream positions, document tokens, characters, blocks and source locations. */
export class TokenMap {
  readonly prefixLength: number;
  readonly nInit: number;
  readonly blockSize: number;
  /** [documentTokens] start offsets. */
  private readonly offsets: Int32Array;

  /** @throws EngineError INVALID_ARGUMENT when the data does not fit the text */
  constructor(
    data: TokenMapData,
    /** The extracted text the offsets point into. */
    readonly text: string,
    readonly sourceMap: SourceMap,
  ) {
    const { prefixLength, offsets, nInit, blockSize } = data;
    if (!Number.isInteger(prefixLength) || prefixLength < 0) throw invalid(`prefixLength must be an integer >= 0 (got ${prefixLength})`);
    if (!Number.isInteger(nInit) || nInit < 0) throw invalid(`nInit must be an integer >= 0 (got ${nInit})`);
    if (!Number.isInteger(blockSize) || blockSize < 1) throw invalid(`blockSize must be an integer >= 1 (got ${blockSize})`);
    for (let i = 0; i < offsets.length; i++) {
      const o = offsets[i];
      if (o < 0 || o > text.length || (i > 0 && o < offsets[i - 1])) throw invalid(`token offset ${i} (${o}) is out of order or outside the text`);
    }
    this.prefixLength = prefixLength;
    this.nInit = nInit;
    this.blockSize = blockSize;
    this.offsets = offsets;
  }

  /** Number of document tokens. */
  get documentTokens(): number {
    return this.offsets.length;
  }

  /** Stream length of prefix + document (the position where the question starts). */
  get streamLength(): number {
    return this.prefixLength + this.offsets.length;
  }

  /** Complete InfLLM blocks that lie before the question (blocks the document can fill). */
  get documentBlocks(): number {
    return Math.max(0, Math.floor((this.streamLength - this.nInit) / this.blockSize));
  }

  /** What stream position `pos` holds. */
  region(pos: number): 'prefix' | 'document' | 'after' {
    checkIndex('position', pos);
    return pos < this.prefixLength ? 'prefix' : pos < this.streamLength ? 'document' : 'after';
  }

  /** Document token index of stream position `pos`, or undefined outside the document. */
  documentIndex(pos: number): number | undefined {
    return this.region(pos) === 'document' ? pos - this.prefixLength : undefined;
  }

  /** Characters covered by document tokens [start, end) (an empty token range gives an empty span at its start). */
  charRange(start: number, end: number): Span {
    const n = this.offsets.length;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > n) {
      throw new RangeError(`document token range [${start}, ${end}) is outside [0, ${n})`);
    }
    const at = (i: number) => (i < n ? this.offsets[i] : this.text.length);
    return { start: at(start), end: end > start ? at(end) : at(start) };
  }

  /** Stream positions [start, end) of InfLLM block `block`. */
  blockTokenRange(block: number): Span {
    checkIndex('block', block);
    const start = this.nInit + block * this.blockSize;
    return { start, end: start + this.blockSize };
  }

  /** Where block `block` comes from: its token range, how it splits over prefix/document/question, text and location. */
  blockSource(block: number): BlockSource {
    const tokenRange = this.blockTokenRange(block);
    const docStart = clamp(tokenRange.start - this.prefixLength, 0, this.offsets.length);
    const docEnd = clamp(tokenRange.end - this.prefixLength, 0, this.offsets.length);
    const prefix = Math.max(0, Math.min(tokenRange.end, this.prefixLength) - tokenRange.start);
    const document = docEnd - docStart;
    const parts = { prefix, document, after: this.blockSize - prefix - document };
    const documentTokens = { start: docStart, end: docEnd };
    if (document === 0) return { block, tokenRange, parts, documentTokens, charRange: null, location: { kind: 'none', label: '' }, text: '' };
    const charRange = this.charRange(docStart, docEnd);
    const location = locate(this.sourceMap, this.text, charRange.start, charRange.end);
    return { block, tokenRange, parts, documentTokens, charRange, location, text: this.text.slice(charRange.start, charRange.end) };
  }
}

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message);
}

function checkIndex(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${what} must be an integer >= 0 (got ${v})`);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
