/**
 * Cuts special-token texts out of the input before tokenization, as llama.cpp's
 * tokenizer_st_partition: special tokens are tried longest text first; every occurrence inside a
 * remaining text fragment becomes a token fragment. Control and unknown tokens are only matched
 * when parseSpecial is on; user-defined tokens always are. LSTRIP/RSTRIP attributes swallow ASCII
 * whitespace next to the match.
 */
import { Attr } from './tokenAttrs.js';

/** A piece of the input: raw text [start, end) or one special token found at [start, end). */
export type Fragment = { id: -1; start: number; end: number } | { id: number; start: number; end: number };

/** A special token as the partition needs it. */
export interface SpecialToken {
  id: number;
  text: string;
  attr: number;
}

/** C isspace on one UTF-16 unit. */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Splits one raw fragment at every occurrence of `tok`; returns null when it does not occur. */
function splitFragment(text: string, frag: Fragment, tok: SpecialToken): Fragment[] | null {
  const parts: Fragment[] = [];
  let base = frag.start;
  const end = frag.end;
  for (;;) {
    const match = text.indexOf(tok.text, base);
    if (match < 0 || match + tok.text.length > end) break;
    let leftEnd = match;
    if (tok.attr & Attr.LSTRIP) while (leftEnd > base && isAsciiSpace(text.charCodeAt(leftEnd - 1))) leftEnd--;
    if (leftEnd > base) parts.push({ id: -1, start: base, end: leftEnd });
    parts.push({ id: tok.id, start: match, end: match + tok.text.length });
    base = match + tok.text.length;
    if (tok.attr & Attr.RSTRIP) while (base < end && isAsciiSpace(text.charCodeAt(base))) base++;
  }
  if (parts.length === 0) return null;
  if (base < end) parts.push({ id: -1, start: base, end });
  return parts;
}

/**
 * Partitions `text` into raw and special-token fragments.
 * @param specials candidate tokens, sorted longest text first
 */
export function partitionSpecial(text: string, specials: readonly SpecialToken[], parseSpecial: boolean): Fragment[] {
  let fragments: Fragment[] = text.length > 0 ? [{ id: -1, start: 0, end: text.length }] : [];
  for (const tok of specials) {
    if (!parseSpecial && tok.attr & (Attr.CONTROL | Attr.UNKNOWN)) continue;
    if (text.indexOf(tok.text) < 0) continue;
    const out: Fragment[] = [];
    for (const frag of fragments) {
      const parts = frag.id === -1 ? splitFragment(text, frag, tok) : null;
      if (parts) out.push(...parts);
      else out.push(frag);
    }
    fragments = out;
  }
  return fragments;
}
