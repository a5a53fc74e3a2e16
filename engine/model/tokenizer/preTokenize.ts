/**
 * Splits text into pre-tokens the way llama.cpp's unicode_regex_split does (src/unicode.cpp,
 * c392e50). Each regex of a pre-tokenizer splits the chunks the previous one produced; matches and
 * the gaps between them both become chunks. Three engines, chosen per regex exactly as llama.cpp
 * chooses them:
 *  - the GPT-2 and Llama-3 regexes run as hand-written splitters (splitCustom.ts);
 *  - a regex with \p{L}, \p{N} or \p{P} runs on a "collapsed" text in which every non-ASCII code
 *    point is one placeholder per category (letter 0xD2, number 0xD1, punctuation 0xD3, whitespace
 *    0x0B, anything else 0xD0), with each \p{X} rewritten to "placeholder or the ASCII members";
 *  - any other regex runs on the code points, with non-ASCII whitespace replaced by 0x0B and \s
 *    meaning ASCII whitespace only (std::wregex in the "C" locale).
 */
import { GPT2 as GPT2_REGEX, LLAMA3 as LLAMA3_REGEX, type PreTokenizerSpec } from './preTokenizerSpecs.js';
import { splitGpt2, splitLlama3 } from './splitCustom.js';
import { CAT_MASK, Cat, cptFlags, WHITESPACE } from './unicode.js';


// Collapsed placeholder and ASCII members of each category llama.cpp collapses.
const COLLAPSED: Record<string, string> = {
  '\\p{N}': String.raw`\xD10-9`,
  '\\p{L}': String.raw`\xD2A-Za-z`,
  '\\p{P}': String.raw`\xD3!-#%-*,-/:-;?-@\[-\]_\{\}`,
};
const ASCII_SPACE = String.raw`\t\n\v\f\r `;

/** Rewrites \p{N}/\p{L}/\p{P} into collapsed-text classes (llama.cpp's regex_expr_collapsed). */
export function collapseRegex(re: string): string {
  let out = '';
  let inside = false;
  for (let i = 0; i < re.length; i++) {
    const ch = re[i];
    if (ch === '[' && (i === 0 || re[i - 1] !== '\\')) {
      out += '[';
      inside = true;
      continue;
    }
    if (inside && ch === ']' && re[i - 1] !== '\\') {
      out += ']';
      inside = false;
      continue;
    }
    const cls = ch === '\\' ? COLLAPSED[re.slice(i, i + 5)] : undefined;
    if (cls !== undefined) {
      out += inside ? cls : `[${cls}]`;
      i += 4;
      continue;
    }
    out += ch;
  }
  return out;
}

/** Makes \s and \S mean ASCII whitespace only, as std::wregex does in the "C" locale. */
export function asciiSpaceRegex(re: string): string {
  let out = '';
  let inside = false;
  for (let i = 0; i < re.length; i++) {
    const ch = re[i];
    if (ch === '\\') {
      const next = re[i + 1];
      if (next === 's') out += inside ? ASCII_SPACE : `[${ASCII_SPACE}]`;
      else if (next === 'S' && !inside) out += `[^${ASCII_SPACE}]`;
      else if (next === 'S') throw new Error('\\S inside a character class is not supported');
      else out += ch + next;
      i++;
      continue;
    }
    if (ch === '[') inside = true;
    else if (ch === ']') inside = false;
    out += ch;
  }
  return out;
}

type Step = { kind: 'gpt2' } | { kind: 'llama3' } | { kind: 'collapsed'; re: RegExp } | { kind: 'wide'; re: RegExp };

function compile(regex: string): Step {
  if (regex === GPT2_REGEX) return { kind: 'gpt2' };
  if (regex === LLAMA3_REGEX) return { kind: 'llama3' };
  if (/\\p\{[NLP]\}/.test(regex)) return { kind: 'collapsed', re: new RegExp(collapseRegex(regex), 'g') };
  return { kind: 'wide', re: new RegExp(asciiSpaceRegex(regex), 'gu') };
}

/** Appends match and gap lengths of `re` over `sub` to `out`; `toUnits` converts string indices to output units. */
function splitByRegex(sub: string, re: RegExp, out: number[], toUnits: (i: number) => number): void {
  re.lastIndex = 0;
  let last = 0;
  for (let m = re.exec(sub); m !== null; m = re.exec(sub)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const a = toUnits(m.index);
    const b = toUnits(m.index + m[0].length);
    if (a > last) out.push(a - last);
    out.push(b - a);
    last = b;
  }
  const total = toUnits(sub.length);
  if (last < total) out.push(total - last);
}

function collapsedText(cps: Uint32Array): string {
  const codes = new Uint16Array(cps.length);
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i];
    if (cp < 128) {
      codes[i] = cp;
      continue;
    }
    const f = cptFlags(cp);
    const cat = f & CAT_MASK;
    codes[i] = f & WHITESPACE ? 0x0b : cat === Cat.NUMBER ? 0xd1 : cat === Cat.LETTER ? 0xd2 : cat === Cat.PUNCTUATION ? 0xd3 : 0xd0;
  }
  return decodeUtf16(codes);
}

const utf16 = new TextDecoder('utf-16le');

/** UTF-16 code units → string (native decoder; inputs here never hold lone surrogates). */
function decodeUtf16(codes: Uint16Array): string {
  return utf16.decode(codes);
}

/** Code points as a string (non-ASCII whitespace → 0x0B) plus the string index of each code point. */
function wideText(cps: Uint32Array): { text: string; cpToU16: Uint32Array } {
  const codes = new Uint16Array(cps.length * 2);
  const cpToU16 = new Uint32Array(cps.length + 1);
  let n = 0;
  for (let i = 0; i < cps.length; i++) {
    cpToU16[i] = n;
    let cp = cps[i];
    if (cp > 0x7f && cptFlags(cp) & WHITESPACE) cp = 0x0b;
    if (cp >= 0x10000) {
      codes[n++] = 0xd800 + ((cp - 0x10000) >> 10);
      codes[n++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else codes[n++] = cp;
  }
  cpToU16[cps.length] = n;
  return { text: decodeUtf16(codes.subarray(0, n)), cpToU16 };
}

/** A compiled pre-tokenizer. */
export class PreTokenizer {
  private readonly steps: Step[];

  constructor(spec: Pick<PreTokenizerSpec, 'regexes'>) {
    this.steps = spec.regexes.map(compile);
  }

  /** Splits code points into pre-tokens; returns their lengths in code points (sum = cps.length). */
  split(cps: Uint32Array): number[] {
    let chunks = cps.length > 0 ? [cps.length] : [];
    let collapsed: string | undefined;
    let wide: { text: string; cpToU16: Uint32Array; u16ToCp?: Uint32Array } | undefined;
    for (const step of this.steps) {
      if (step.kind === 'gpt2') chunks = splitGpt2(cps, chunks);
      else if (step.kind === 'llama3') chunks = splitLlama3(cps, chunks);
      else if (step.kind === 'collapsed') {
        collapsed ??= collapsedText(cps);
        const out: number[] = [];
        let start = 0;
        for (const len of chunks) {
          splitByRegex(collapsed.substring(start, start + len), step.re, out, (i) => i);
          start += len;
        }
        chunks = out;
      } else {
        wide ??= wideText(cps);
        const w = wide;
        if (!w.u16ToCp) {
          w.u16ToCp = new Uint32Array(w.text.length + 1);
          for (let k = 0; k < cps.length; k++) for (let u = w.cpToU16[k]; u < w.cpToU16[k + 1]; u++) w.u16ToCp[u] = k;
          w.u16ToCp[w.text.length] = cps.length;
        }
        const u16ToCp = w.u16ToCp;
        const out: number[] = [];
        let start = 0;
        for (const len of chunks) {
          const a = w.cpToU16[start];
          splitByRegex(w.text.substring(a, w.cpToU16[start + len]), step.re, out, (i) => u16ToCp[a + i] - start);
          start += len;
        }
        chunks = out;
      }
    }
    return chunks;
  }
}
