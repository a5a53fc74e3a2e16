/**
 * Turns generated token ids into text as they arrive. push(id) returns only complete UTF-8 text:
 * bytes of a character split across byte-fallback tokens are held back until it is complete, and
 * with the vocabulary's space clean-up (" ," → ",") the last few bytes are held back until the
 * following bytes decide them. The concatenation of all push() results and flush() equals
 * Tokenizer.decode() of the same ids (same leading-space removal, same clean-up).
 */
import { cleanSpaces, isCleanAnchor } from './cleanSpaces.js';
import type { Tokenizer } from './Tokenizer.js';

/**
 * Raw bytes at the end of the buffer whose cleaned form may still change: each of the clean-up's
 * three passes looks at most two bytes ahead in its input, and an earlier pass's output skips at
 * most one deleted byte per kept byte, which bounds the reach at 11 raw bytes; 16 is the margin.
 */
const CLEAN_LOOKAHEAD = 16;

/** Options of {@link StreamingDetokenizer}. */
export interface StreamingDetokenizerOptions {
  /** As Tokenizer.decode: render control tokens as nothing and drop a leading BOS. Default false. */
  skipSpecial?: boolean;
  /**
   * The ids continue earlier text (e.g. tokens generated after a prompt): the first token keeps
   * its leading space, as it would inside a longer decode(). Default false.
   */
  continuation?: boolean;
}

export class StreamingDetokenizer {
  private readonly skipSpecial: boolean;
  private readonly clean: boolean;
  private readonly continuation: boolean;
  private readonly decoder = new TextDecoder('utf-8');
  /** Raw piece bytes from `base` on (earlier bytes are already decoded and emitted). */
  private raw = new Uint8Array(256);
  private rawLen = 0;
  /** Cleaned bytes of raw[0, rawLen) already handed to the decoder. */
  private emitted = 0;
  private nTokens = 0;
  private removeSpace: boolean;
  private pendingEos = false;

  constructor(
    private readonly tokenizer: Tokenizer,
    options: StreamingDetokenizerOptions = {},
  ) {
    this.skipSpecial = options.skipSpecial ?? false;
    this.clean = tokenizer.data.cleanSpaces;
    this.continuation = options.continuation ?? false;
    this.removeSpace = tokenizer.data.addSpacePrefix && !this.continuation;
  }

  /** Adds one token; returns the text that is now final (possibly ""). */
  push(id: number): string {
    const d = this.tokenizer.data;
    const first = this.nTokens === 0;
    this.nTokens++;
    if (this.pendingEos) {
      // A held-back EOS turned out not to be the last token: it renders like any other.
      this.pendingEos = false;
      this.removeSpace = false;
      this.append(this.tokenizer.tokenToPiece(d.eos as number, { special: !this.skipSpecial }));
    }
    if (first && this.skipSpecial && d.addBos && id === d.bos) {
      this.tokenizer.tokenToPiece(id); // validates the id
      this.removeSpace = false;
      return '';
    }
    let piece = this.tokenizer.tokenToPiece(id, { special: !this.skipSpecial });
    if (this.skipSpecial && d.addEos && id === d.eos) {
      // decode() drops a final EOS; keep it back until we know whether it is final.
      this.pendingEos = true;
      piece = piece.subarray(0, 0);
    }
    if (this.removeSpace && piece.length > 0 && piece[0] === 0x20) piece = piece.subarray(1);
    if (!this.pendingEos) this.removeSpace = false;
    this.append(piece);
    return this.drain(false);
  }

  /** Returns everything still held back (an incomplete UTF-8 sequence becomes U+FFFD) and resets. */
  flush(): string {
    const out = this.drain(true);
    this.raw = new Uint8Array(256);
    this.rawLen = 0;
    this.emitted = 0;
    this.nTokens = 0;
    this.pendingEos = false;
    this.removeSpace = this.tokenizer.data.addSpacePrefix && !this.continuation;
    return out;
  }

  private append(piece: Uint8Array): void {
    if (this.rawLen + piece.length > this.raw.length) {
      const grown = new Uint8Array(Math.max(this.raw.length * 2, this.rawLen + piece.length));
      grown.set(this.raw.subarray(0, this.rawLen));
      this.raw = grown;
    }
    this.raw.set(piece, this.rawLen);
    this.rawLen += piece.length;
  }

  /** Decodes the final part of the buffer; `end` = no more tokens. */
  private drain(end: boolean): string {
    const raw = this.raw.subarray(0, this.rawLen);
    if (!this.clean) {
      const text = this.decoder.decode(raw, { stream: !end });
      this.rawLen = 0;
      return text;
    }
    const { bytes, src } = cleanSpaces(raw);
    // Output that comes from raw bytes far enough from the end cannot change any more.
    let stable = this.emitted;
    const limit = end ? Infinity : this.rawLen - CLEAN_LOOKAHEAD;
    while (stable < bytes.length && src[stable] < limit) stable++;
    const text = this.decoder.decode(bytes.subarray(this.emitted, stable), { stream: !end });
    this.emitted = stable;
    this.compact(bytes, src);
    return text;
  }

  /**
   * Drops emitted bytes from the buffer, keeping everything from the last anchor byte (one the
   * clean-up neither removes nor looks back across) at or before the emitted boundary, so that
   * cleaning the rest again gives the same bytes as cleaning the whole text.
   */
  private compact(bytes: Uint8Array, src: Int32Array): void {
    let k = this.emitted - 1;
    while (k >= 0 && !isCleanAnchor(bytes[k])) k--;
    if (k <= 0) return;
    const cut = src[k];
    this.raw.copyWithin(0, cut, this.rawLen);
    this.rawLen -= cut;
    this.emitted -= k;
  }
}
