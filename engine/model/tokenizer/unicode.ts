/**
 * Unicode facts the tokenizers need, defined the way llama.cpp's src/unicode.cpp (commit c392e50)
 * defines them: one general-category class per code point (Cn = undefined; Cc/Cf/Co/Cs = control),
 * the White_Space set, "NFD" as the first code point of the canonical decomposition, single
 * code point lowercase, GPT-2's byte-to-Unicode alphabet, and code point / UTF-8 helpers.
 * Categories come from the JS engine's Unicode tables (\p{...}), cached per code point.
 */

/** Category classes, as in llama.cpp's unicode_cpt_flags (values are ours). */
export const Cat = {
  UNDEFINED: 0,
  NUMBER: 1,
  LETTER: 2,
  SEPARATOR: 3,
  ACCENT_MARK: 4,
  PUNCTUATION: 5,
  SYMBOL: 6,
  CONTROL: 7,
} as const;

/** Bit set in a flags value when the code point is White_Space. */
export const WHITESPACE = 0x10;
/** Mask of the category part of a flags value. */
export const CAT_MASK = 0x0f;

const CATEGORY_RE = /(\p{Cn})|(\p{N})|(\p{L})|(\p{Z})|(\p{M})|(\p{P})|(\p{S})|(\p{C})/u;
const WHITESPACE_RE = /\p{White_Space}/u;
const NOT_COMPUTED = 0xff;
const MAX_CODEPOINTS = 0x110000;

// [MAX_CODEPOINTS] u8: category | WHITESPACE, or NOT_COMPUTED; filled lazily.
let flagsCache: Uint8Array | undefined;

function computeFlags(cp: number): number {
  const ch = String.fromCodePoint(cp);
  const m = CATEGORY_RE.exec(ch);
  let cat: number = Cat.UNDEFINED;
  if (m) {
    // groups: 1 Cn, 2 N, 3 L, 4 Z, 5 M, 6 P, 7 S, 8 C
    const order = [Cat.UNDEFINED, Cat.NUMBER, Cat.LETTER, Cat.SEPARATOR, Cat.ACCENT_MARK, Cat.PUNCTUATION, Cat.SYMBOL, Cat.CONTROL];
    for (let g = 1; g <= 8; g++) {
      if (m[g] !== undefined) {
        cat = order[g - 1];
        break;
      }
    }
  }
  return cat | (WHITESPACE_RE.test(ch) ? WHITESPACE : 0);
}

/**
 * Flags of a code point: `flags & CAT_MASK` is a {@link Cat} value, `flags & WHITESPACE` marks
 * White_Space. Code points outside 0..0x10FFFF are UNDEFINED (flags 0), as in llama.cpp.
 */
export function cptFlags(cp: number): number {
  if (cp < 0 || cp >= MAX_CODEPOINTS) return 0;
  if (!flagsCache) flagsCache = new Uint8Array(MAX_CODEPOINTS).fill(NOT_COMPUTED);
  let f = flagsCache[cp];
  if (f === NOT_COMPUTED) {
    // Lone surrogates are category Cs (control) in UnicodeData; String.fromCodePoint keeps them.
    f = computeFlags(cp);
    flagsCache[cp] = f;
  }
  return f;
}

/** llama.cpp's unicode_cpts_normalize_nfd for one code point: the first code point of its NFD form. */
export function nfdFirst(cp: number): number {
  if (cp < 0xc0) return cp;
  return String.fromCodePoint(cp).normalize('NFD').codePointAt(0) ?? cp;
}

/** llama.cpp's unicode_tolower: a single code point (the first of the lowercase mapping). */
export function toLowerCp(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  return String.fromCodePoint(cp).toLowerCase().codePointAt(0) ?? cp;
}

/** Number of UTF-8 bytes of a code point. */
export function utf8Len(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * Code points of `text[start, end)` with the UTF-16 index where each starts. A lone surrogate
 * becomes U+FFFD (what TextEncoder and llama.cpp make of invalid input).
 */
export interface CodePoints {
  /** [n] code points. */
  cps: Uint32Array;
  /** [n + 1] UTF-16 index (into the original text) of each code point; the last entry is `end`. */
  u16: Uint32Array;
  n: number;
}

/** Splits `text[start, end)` into code points. */
export function codePointsOf(text: string, start = 0, end = text.length): CodePoints {
  const cps = new Uint32Array(end - start);
  const u16 = new Uint32Array(end - start + 1);
  let n = 0;
  for (let i = start; i < end; ) {
    const c = text.charCodeAt(i);
    u16[n] = i;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cps[n++] = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i += 2;
        continue;
      }
    }
    cps[n++] = c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
    i++;
  }
  u16[n] = end;
  return { cps: cps.subarray(0, n), u16: u16.subarray(0, n + 1), n };
}

// GPT-2's reversible byte <-> printable character table (bytes_to_unicode in the GPT-2 code).
const BYTE_TO_CHAR: string[] = [];
const CHAR_TO_BYTE = new Map<number, number>();
{
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    const cp = printable ? b : 256 + extra++;
    BYTE_TO_CHAR[b] = String.fromCharCode(cp);
    CHAR_TO_BYTE.set(cp, b);
  }
}

/** The GPT-2 alphabet character that stands for byte `b`. */
export function byteToGpt2Char(b: number): string {
  return BYTE_TO_CHAR[b];
}

/** The byte a GPT-2 alphabet code point stands for, or -1 when it is not in the alphabet. */
export function gpt2CharToByte(cp: number): number {
  return CHAR_TO_BYTE.get(cp) ?? -1;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a JS string (lone surrogates become EF BF BD). */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}
