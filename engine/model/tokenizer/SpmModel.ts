/**
 * SentencePiece-style BPE over scores, as llama.cpp's llm_tokenizer_spm_session: every code
 * point of the (already space-escaped) text starts as a symbol; the adjacent pair whose
 * concatenation is a token with the highest score (ties: leftmost) is merged until none is
 * left; a symbol that is not a token is emitted as byte tokens <0xNN> (or the unknown token).
 */
import { BinaryHeap } from './BinaryHeap.js';
import { utf8Bytes } from './unicode.js';

interface Bigram {
  left: number;
  right: number;
  score: number;
  size: number;
}

export class SpmModel {
  /** [256] token of each byte ("<0xNN>", else the one-character token), or -1. */
  private readonly byteTokens = new Int32Array(256).fill(-1);

  constructor(
    private readonly tokenToId: ReadonlyMap<string, number>,
    private readonly scores: Float32Array,
    private readonly unk: number | null,
  ) {
    for (let b = 0; b < 256; b++) {
      const hex = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      const id = tokenToId.get(hex) ?? (b < 0x80 ? tokenToId.get(String.fromCharCode(b)) : undefined);
      if (id !== undefined) this.byteTokens[b] = id;
    }
  }

  /** Token of a byte for byte fallback (unknown token when the vocabulary has none). */
  byteToken(b: number): number {
    const id = this.byteTokens[b];
    return id >= 0 ? id : (this.unk ?? -1);
  }

  /**
   * Tokenizes `text` (spaces already escaped as U+2581); appends ids and, for each, the UTF-16
   * index in `text` where its symbol starts (all byte tokens of one code point share it).
   */
  encode(text: string, ids: number[], starts: number[]): void {
    const nUnits = text.length;
    // Symbols: [nSym] start (UTF-16 index) and length in UTF-16 units, doubly linked.
    const start = new Int32Array(nUnits);
    const len = new Int32Array(nUnits);
    let nSym = 0;
    for (let i = 0; i < nUnits; ) {
      const c = text.charCodeAt(i);
      const w = c >= 0xd800 && c <= 0xdbff && i + 1 < nUnits ? 2 : 1;
      start[nSym] = i;
      len[nSym] = w;
      nSym++;
      i += w;
    }
    if (nSym === 0) return;
    const prev = new Int32Array(nSym);
    const next = new Int32Array(nSym);
    for (let i = 0; i < nSym; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < nSym ? i + 1 : -1;
    }
    const heap = new BinaryHeap<Bigram>((a, b) => a.score > b.score || (a.score === b.score && a.left < b.left));
    const tryAdd = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const id = this.tokenToId.get(text.substring(start[left], start[right] + len[right]));
      if (id === undefined) return;
      heap.push({ left, right, score: this.scores[id], size: len[left] + len[right] });
    };
    for (let i = 1; i < nSym; i++) tryAdd(i - 1, i);

    for (let b = heap.pop(); b !== undefined; b = heap.pop()) {
      const { left, right } = b;
      if (len[left] === 0 || len[right] === 0 || len[left] + len[right] !== b.size) continue;
      len[left] += len[right];
      len[right] = 0;
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      tryAdd(prev[left], left);
      tryAdd(left, next[left]);
    }

    for (let i = 0; i !== -1; i = next[i]) {
      const piece = text.substring(start[i], start[i] + len[i]);
      const id = this.tokenToId.get(piece);
      if (id !== undefined) {
        ids.push(id);
        starts.push(start[i]);
        continue;
      }
      for (const b of utf8Bytes(piece)) {
        const bid = this.byteToken(b);
        if (bid < 0) continue;
        ids.push(bid);
        starts.push(start[i]);
      }
    }
  }
}
