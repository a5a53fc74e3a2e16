/**
 * WordPiece as llama.cpp's llm_tokenizer_wpm_session (c392e50): the text is normalised code
 * point by code point (first code point of the NFD form, lowercased), split at whitespace,
 * punctuation, ASCII symbols and CJK ideographs (control characters dropped), and each word,
 * prefixed with U+2581, is cut greedily into the longest vocabulary entries; a word that cannot
 * be cut completely becomes the unknown token. Vocabularies store word-initial pieces as
 * "▁piece" and continuations bare (llama.cpp's conversion of BERT's "##" pieces).
 */
import { CAT_MASK, Cat, codePointsOf, cptFlags, nfdFirst, toLowerCp, WHITESPACE } from './unicode.js';

/** BERT's "Chinese character" ranges, as in llama.cpp (including its 0x2B920 start). */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** A normalised word and, for each of its UTF-16 units, the UTF-16 index in the input it came from. */
interface Word {
  text: string;
  origins: number[];
}

/** Splits `text[start, end)` into normalised words. */
export function wpmWords(text: string, start: number, end: number): Word[] {
  const { cps, u16, n } = codePointsOf(text, start, end);
  const words: Word[] = [];
  let cur: Word = { text: '', origins: [] };
  const finish = () => {
    if (cur.text.length > 0) words.push(cur);
    cur = { text: '', origins: [] };
  };
  for (let k = 0; k < n; k++) {
    const cp = nfdFirst(cps[k]);
    const flags = cptFlags(cp);
    if (flags & WHITESPACE) {
      finish();
      continue;
    }
    const cat = flags & CAT_MASK;
    if (cp === 0 || cp === 0xfffd || cat === Cat.CONTROL) continue;
    const s = String.fromCodePoint(toLowerCp(cp));
    const origin = u16[k];
    if (cat === Cat.PUNCTUATION || (cp < 0x7f && cat === Cat.SYMBOL) || isChineseChar(cp)) {
      finish();
      words.push({ text: s, origins: s.length === 2 ? [origin, origin] : [origin] });
      continue;
    }
    cur.text += s;
    cur.origins.push(origin);
    if (s.length === 2) cur.origins.push(origin);
  }
  finish();
  return words;
}

const CACHE_LIMIT = 100_000;

/** Pieces of one word: ids and, for each, the index in the word where it starts. */
interface WordPieces {
  ids: number[];
  starts: number[];
}

export class WpmModel {
  private readonly cache = new Map<string, WordPieces>();

  /**
   * @param maxTokenLen longest token in UTF-8 bytes (bounds the candidate length)
   */
  constructor(
    private readonly tokenToId: ReadonlyMap<string, number>,
    private readonly unk: number | null,
    private readonly maxTokenLen: number,
  ) {}

  /** Tokenizes `text[start, end)`; appends ids and the UTF-16 index in `text` where each starts. */
  encode(text: string, start: number, end: number, ids: number[], starts: number[]): void {
    for (const word of wpmWords(text, start, end)) {
      let pieces = this.cache.get(word.text);
      if (!pieces) {
        pieces = this.pieces(word.text);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(word.text, pieces);
      }
      for (let k = 0; k < pieces.ids.length; k++) {
        ids.push(pieces.ids[k]);
        starts.push(word.origins[pieces.starts[k]]);
      }
    }
  }

  /** Greedy longest-match of "▁" + word; the whole word is [UNK] when a position has no piece. */
  private pieces(word: string): WordPieces {
    const w = '\u2581' + word;
    const n = w.length;
    const out: WordPieces = { ids: [], starts: [] };
    for (let i = 0; i < n; ) {
      let j = Math.min(n, i + this.maxTokenLen + 1);
      let id: number | undefined;
      for (; j > i; j--) {
        id = this.tokenToId.get(w.substring(i, j));
        if (id !== undefined) break;
      }
      if (id === undefined) {
        out.ids.length = 0;
        out.starts.length = 0;
        break;
      }
      out.ids.push(id);
      out.starts.push(Math.max(0, i - 1)); // index in `word` (the ▁ maps to the first character)
      i = j;
    }
    if (out.ids.length === 0 && this.unk !== null) {
      out.ids.push(this.unk);
      out.starts.push(0);
    }
    return out;
  }
}
