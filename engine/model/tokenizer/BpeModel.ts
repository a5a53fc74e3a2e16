/**
 * Byte-level BPE over one pre-token, as llama.cpp's llm_tokenizer_bpe_session: the pre-token's
 * UTF-8 bytes are written in GPT-2's byte alphabet, every byte starts as a symbol, and the
 * adjacent pair with the lowest merge rank (ties: leftmost) is merged until none is left. A final
 * symbol that is not a token falls back to its single-character tokens. Results are cached per
 * pre-token (the function is pure), which makes natural text close to a map lookup per word.
 */
import { BinaryHeap } from './BinaryHeap.js';
import { byteToGpt2Char } from './unicode.js';

interface Bigram {
  left: number;
  right: number;
  rank: number;
  text: string;
}

/** Ids of one pre-token and the byte offset (within the pre-token) where each starts. */
export interface WordTokens {
  ids: number[];
  byteStarts: number[];
}

const CACHE_LIMIT = 200_000;

export class BpeModel {
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, WordTokens>();

  /**
   * @param tokenToId vocabulary (texts in the GPT-2 byte alphabet)
   * @param merges "left right" pairs, rank = index (the first occurrence wins)
   * @param ignoreMerges emit a pre-token that is itself a token without merging (llama3)
   */
  constructor(
    private readonly tokenToId: ReadonlyMap<string, number>,
    merges: readonly string[],
    private readonly ignoreMerges: boolean,
  ) {
    merges.forEach((m, rank) => {
      // llama.cpp splits at the first space after position 0.
      // A merge without a space pairs two empty strings there, which never match.
      if (m.indexOf(' ', 1) < 0) return;
      if (!this.ranks.has(m)) this.ranks.set(m, rank);
    });
  }

  /**
   * Tokenizes one pre-token given as UTF-8 bytes; `key` is its text (the cache key, so a
   * repeated word costs one map lookup).
   */
  encodeWord(key: string, bytes: Uint8Array): WordTokens {
    const cached = this.cache.get(key);
    if (cached) return cached;
    let word = '';
    for (let i = 0; i < bytes.length; i++) word += byteToGpt2Char(bytes[i]);
    const result = this.encodeUncached(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, result);
    return result;
  }

  private encodeUncached(word: string): WordTokens {
    const n = word.length; // one GPT-2 character per byte
    const whole = this.ignoreMerges ? this.tokenToId.get(word) : undefined;
    if (whole !== undefined) return { ids: [whole], byteStarts: [0] };

    // Symbols: [n] start/length in characters, doubly linked; length 0 = merged away.
    const start = new Int32Array(n);
    const len = new Int32Array(n).fill(1);
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      start[i] = i;
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const heap = new BinaryHeap<Bigram>((a, b) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left));
    const text = (i: number) => word.substring(start[i], start[i] + len[i]);
    const addBigram = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const l = text(left);
      const r = text(right);
      const rank = this.ranks.get(l + ' ' + r);
      if (rank !== undefined) heap.push({ left, right, rank, text: l + r });
    };
    for (let i = 1; i < n; i++) addBigram(i - 1, i);

    for (let b = heap.pop(); b !== undefined; b = heap.pop()) {
      const { left, right } = b;
      if (len[left] === 0 || len[right] === 0) continue;
      if (text(left) + text(right) !== b.text) continue; // outdated
      len[left] += len[right];
      len[right] = 0;
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      addBigram(prev[left], left);
      addBigram(left, next[left]);
    }

    return this.emit(word, start, len);
  }

  /** Ids of the final symbols [start, len) of `word` (len 0 = merged away). */
  private emit(word: string, start: Int32Array, len: Int32Array): WordTokens {
    const n = word.length;
    const text = (i: number) => word.substring(start[i], start[i] + len[i]);
    const ids: number[] = [];
    const byteStarts: number[] = [];
    for (let i = 0; i < n; i++) {
      if (len[i] === 0) continue;
      const t = text(i);
      const id = this.tokenToId.get(t);
      if (id !== undefined) {
        ids.push(id);
        byteStarts.push(start[i]);
        continue;
      }
      // Not a token: llama.cpp looks up each byte of the symbol's UTF-8 text alone, which only
      // finds single-byte (ASCII) characters.
      for (let k = 0; k < t.length; k++) {
        if (t.charCodeAt(k) >= 0x80) continue;
        const bid = this.tokenToId.get(t[k]);
        if (bid !== undefined) {
          ids.push(bid);
          byteStarts.push(start[i] + k);
        }
      }
    }
    return { ids, byteStarts };
  }
}
