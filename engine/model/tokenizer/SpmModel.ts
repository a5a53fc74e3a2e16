/**
 * SentencePiece-style BPE over scores, as llama.cpp's llm_tokenizer_spm_session: every code
 * point of the (already space-escaped) text starts as a symbol; the adjacent pair whose
 * concatenation is a token with the highest score (ties: leftmost) is merged until none is
 * left; a symbol that is not a token is emitted as byte tokens <0xNN> (or the unknown token).
 *
 * Speed-up with identical results: where two adjacent code points occur next to each other in no
 * vocabulary entry, no symbol can ever span that boundary, so the merges on either side never
 * interact and each side can be processed (and cached) on its own. This turns a long text into
 * word-sized segments instead of one heap over a million symbols.
 */
import { BinaryHeap } from './BinaryHeap.js';
import { utf8Bytes } from './unicode.js';

interface Bigram {
  left: number;
  right: number;
  score: number;
  size: number;
}

const CACHE_LIMIT = 100_000;

/** Ids of a segment and the UTF-16 index (within the segment) where each starts. */
interface Segment {
  ids: number[];
  starts: number[];
}

export class SpmModel {
  /** [256] token of each byte ("<0xNN>", else the one-character token), or -1. */
  private readonly byteTokens = new Int32Array(256).fill(-1);
  /** Every pair of adjacent code points inside some vocabulary entry (built on first use). */
  private pairs: Set<string> | undefined;
  private readonly cache = new Map<string, Segment>();

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

  private buildPairs(): Set<string> {
    const pairs = new Set<string>();
    for (const t of this.tokenToId.keys()) {
      let prevLen = 0;
      for (let i = 0; i < t.length; ) {
        const w = t.codePointAt(i)! > 0xffff ? 2 : 1;
        if (prevLen > 0) pairs.add(t.substring(i - prevLen, i + w));
        prevLen = w;
        i += w;
      }
    }
    return pairs;
  }

  /**
   * Tokenizes `text` (spaces already escaped as U+2581); appends ids and, for each, the UTF-16
   * index in `text` where its symbol starts (all byte tokens of one code point share it).
   */
  encode(text: string, ids: number[], starts: number[]): void {
    this.pairs ??= this.buildPairs();
    const pairs = this.pairs;
    let segStart = 0;
    let prevLen = 0;
    for (let i = 0; i <= text.length; ) {
      const w = i < text.length && text.codePointAt(i)! > 0xffff ? 2 : 1;
      if (i === text.length || (prevLen > 0 && !pairs.has(text.substring(i - prevLen, i + w)))) {
        const seg = this.segment(text.substring(segStart, i));
        for (let k = 0; k < seg.ids.length; k++) {
          ids.push(seg.ids[k]);
          starts.push(segStart + seg.starts[k]);
        }
        segStart = i;
      }
      prevLen = w;
      i += w;
    }
  }

  private segment(text: string): Segment {
    const cached = this.cache.get(text);
    if (cached) return cached;
    const seg: Segment = { ids: [], starts: [] };
    this.encodeSegment(text, seg.ids, seg.starts);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(text, seg);
    return seg;
  }

  private encodeSegment(text: string, ids: number[], starts: number[]): void {
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
