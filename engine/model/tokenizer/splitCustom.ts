/**
 * Hand-written splitters llama.cpp uses instead of std::regex for the two most common
 * pre-tokenizer regexes (unicode_regex_split_custom_gpt2 / _llama3 in src/unicode.cpp). They
 * decide on code point flags, which differs from the regex in corner cases (e.g. unassigned code
 * points never join a punctuation run), so parity needs the same state machines.
 * Input and output are chunk lengths in code points.
 */
import { CAT_MASK, Cat, cptFlags, toLowerCp, WHITESPACE } from './unicode.js';

const OUT_OF_RANGE = 0xffffffff;

/** Per-chunk cursor helpers shared by both splitters. */
class ChunkScanner {
  prevEnd: number;
  constructor(
    private readonly cps: Uint32Array,
    readonly ini: number,
    readonly end: number,
    private readonly out: number[],
  ) {
    this.prevEnd = ini;
  }
  cpt(pos: number): number {
    return pos >= this.ini && pos < this.end ? this.cps[pos] : OUT_OF_RANGE;
  }
  flags(pos: number): number {
    return pos >= this.ini && pos < this.end ? cptFlags(this.cps[pos]) : 0;
  }
  /** Emits [prevEnd, end) when non-empty; returns its length. */
  add(end: number): number {
    const len = end - this.prevEnd;
    if (len > 0) this.out.push(len);
    this.prevEnd = end;
    return len;
  }
}

const isLetter = (f: number) => (f & CAT_MASK) === Cat.LETTER;
const isNumber = (f: number) => (f & CAT_MASK) === Cat.NUMBER;
const isSpace = (f: number) => (f & WHITESPACE) !== 0;
/** [^\s\p{L}\p{N}] on flags; a code point with no flags at all (unassigned) does not match. */
const isOther = (f: number) => !isSpace(f) && !isLetter(f) && !isNumber(f) && f !== 0;
const APOS = 0x27;
const CR = 0x0d;
const LF = 0x0a;

/** 's|'t|'re|'ve|'m|'ll|'d, case-sensitive or not; returns the match length or 0. */
function contraction(s: ChunkScanner, pos: number, ignoreCase: boolean): number {
  if (s.cpt(pos) !== APOS || pos + 1 >= s.end) return 0;
  const low = (c: number) => (ignoreCase && c !== OUT_OF_RANGE ? toLowerCp(c) : c);
  const n1 = low(s.cpt(pos + 1));
  if (n1 === 0x73 || n1 === 0x74 || n1 === 0x6d || n1 === 0x64) return 2; // s t m d
  if (pos + 2 < s.end) {
    const n2 = low(s.cpt(pos + 2));
    if ((n1 === 0x72 && n2 === 0x65) || (n1 === 0x76 && n2 === 0x65) || (n1 === 0x6c && n2 === 0x6c)) return 3; // re ve ll
  }
  return 0;
}

/** Trailing whitespace handling shared by both: \s+(?!\S) then \s+. Returns the new position or -1. */
function whitespaceRun(s: ChunkScanner, pos: number, newlines: boolean): number {
  let n = 0;
  let lastNl = 0;
  while (isSpace(s.flags(pos + n))) {
    const c = s.cpt(pos + n);
    if (newlines && (c === CR || c === LF)) lastNl = pos + n + 1;
    n++;
  }
  if (newlines && lastNl > 0) return lastNl; // \s*[\r\n]+
  if (n > 1 && s.cpt(pos + n) !== OUT_OF_RANGE) return pos + n - 1; // \s+(?!\S)
  if (n > 0) return pos + n; // \s+
  return -1;
}

/**
 * The loop both splitters share: per chunk, per position, a contraction, then the splitter's own
 * alternatives (`middle`: the position after the piece it emitted, or -1 when none matched),
 * then the trailing whitespace rules, else a one-code-point piece. `llama3`: case-insensitive
 * contractions and the newline rule of the whitespace run.
 */
function splitChunks(
  cps: Uint32Array,
  chunks: number[],
  llama3: boolean,
  middle: (s: ChunkScanner, pos: number) => number,
): number[] {
  const out: number[] = [];
  let start = 0;
  for (const len of chunks) {
    const s = new ChunkScanner(cps, start, start + len, out);
    start += len;
    for (let pos = s.ini; pos < s.end; ) {
      const c = contraction(s, pos, llama3);
      if (c > 0) {
        pos += s.add(pos + c);
        continue;
      }
      const after = middle(s, pos);
      if (after >= 0) {
        pos = after;
        continue;
      }
      const next = whitespaceRun(s, pos, llama3);
      if (next >= 0) {
        pos = next;
        s.add(pos);
        continue;
      }
      s.add(++pos); // no match
    }
  }
  return out;
}

/** GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
export function splitGpt2(cps: Uint32Array, chunks: number[]): number[] {
  return splitChunks(cps, chunks, false, (s, pos) => {
    const cpt = s.cpt(pos);
    let f2 = cpt === 0x20 ? s.flags(pos + 1) : s.flags(pos);
    const run = isLetter(f2) ? isLetter : isNumber(f2) ? isNumber : isOther(f2) ? isOther : undefined;
    if (!run) return -1;
    if (cpt === 0x20) pos++;
    while (run(f2)) f2 = s.flags(++pos);
    s.add(pos);
    return pos;
  });
}

/** Llama 3: (?i:'s|…)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
export function splitLlama3(cps: Uint32Array, chunks: number[]): number[] {
  return splitChunks(cps, chunks, true, (s, pos) => {
    const cpt = s.cpt(pos);
    const flags = s.flags(pos);
    if (!(cpt === CR || cpt === LF || isNumber(flags)) && (isLetter(flags) || isLetter(s.flags(pos + 1)))) {
      pos++;
      while (isLetter(s.flags(pos))) pos++;
      s.add(pos);
      return pos;
    }
    if (isNumber(flags)) {
      let ini = pos;
      while (isNumber(s.flags(pos))) {
        if (++pos - ini >= 3) {
          s.add(pos);
          ini = pos;
        }
      }
      s.add(pos);
      return pos;
    }
    let f2 = cpt === 0x20 ? s.flags(pos + 1) : flags;
    // llama.cpp tests the current code point's flags here and the look-ahead's in the loop.
    if (!isSpace(f2) && !isLetter(f2) && !isNumber(f2) && flags !== 0) {
      if (cpt === 0x20) pos++;
      while (isOther(f2)) f2 = s.flags(++pos);
      let c2 = s.cpt(pos);
      while (c2 === CR || c2 === LF) c2 = s.cpt(++pos);
      s.add(pos);
      return pos;
    }
    return -1;
  });
}
