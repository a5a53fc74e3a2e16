/**
 * Cuts special-token texts out of the input before tokenization, as llama.cpp's
 * tokenizer_st_partition: special tokens are tried longest text first; every occurrence inside a
 * remaining text fragment (searched left to right, non-overlapping) becomes a token fragment.
 * Control and unknown tokens are only matched when parseSpecial is on; user-defined tokens always
 * are. LSTRIP/RSTRIP attributes swallow ASCII whitespace next to the match.
 *
 * To stay linear on large inputs, one scan finds every occurrence of every candidate (indexed by
 * its first two UTF-16 units); llama.cpp's per-token loop then only visits tokens that occur.
 */
import { Attr } from './tokenAttrs.js';

/** A piece of the input: raw text [start, end) (id -1) or one special token found at [start, end). */
export interface Fragment {
  id: number;
  start: number;
  end: number;
}

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

export class SpecialPartitioner {
  /** Candidates by first unit (one-unit texts) and by first two units (longer texts). */
  private readonly byOne = new Map<number, SpecialToken[]>();
  private readonly byTwo = new Map<number, SpecialToken[]>();

  /** @param specials candidate tokens, sorted longest text first (llama.cpp's order) */
  constructor(private readonly specials: readonly SpecialToken[]) {
    for (const tok of specials) {
      if (tok.text.length === 0) continue;
      const [map, key] = tok.text.length === 1 ? [this.byOne, tok.text.charCodeAt(0)] : [this.byTwo, tok.text.charCodeAt(0) * 0x10000 + tok.text.charCodeAt(1)];
      const list = map.get(key);
      if (list) list.push(tok);
      else map.set(key, [tok]);
    }
  }

  /** Start positions (sorted, overlapping ones included) of every eligible special token in `text`. */
  private occurrences(text: string, parseSpecial: boolean): Map<number, number[]> {
    const found = new Map<number, number[]>();
    const eligible = (t: SpecialToken) => parseSpecial || (t.attr & (Attr.CONTROL | Attr.UNKNOWN)) === 0;
    const record = (t: SpecialToken, i: number) => {
      const list = found.get(t.id);
      if (list) list.push(i);
      else found.set(t.id, [i]);
    };
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const one = this.byOne.get(c);
      if (one) for (const t of one) if (eligible(t)) record(t, i);
      if (i + 1 >= text.length) break;
      const two = this.byTwo.get(c * 0x10000 + text.charCodeAt(i + 1));
      if (two) for (const t of two) if (eligible(t) && text.startsWith(t.text, i)) record(t, i);
    }
    return found;
  }

  /** Partitions `text` into raw and special-token fragments, in order. */
  partition(text: string, parseSpecial: boolean): Fragment[] {
    let fragments: Fragment[] = text.length > 0 ? [{ id: -1, start: 0, end: text.length }] : [];
    const found = this.occurrences(text, parseSpecial);
    if (found.size === 0) return fragments;
    for (const tok of this.specials) {
      const occ = found.get(tok.id);
      if (!occ) continue;
      const len = tok.text.length;
      const out: Fragment[] = [];
      let p = 0;
      for (const frag of fragments) {
        if (frag.id !== -1) {
          out.push(frag);
          continue;
        }
        let base = frag.start;
        for (;;) {
          while (p < occ.length && occ[p] < base) p++;
          if (p === occ.length || occ[p] + len > frag.end) break;
          const match = occ[p];
          let leftEnd = match;
          if (tok.attr & Attr.LSTRIP) while (leftEnd > base && isAsciiSpace(text.charCodeAt(leftEnd - 1))) leftEnd--;
          if (leftEnd > base) out.push({ id: -1, start: base, end: leftEnd });
          out.push({ id: tok.id, start: match, end: match + len });
          base = match + len;
          if (tok.attr & Attr.RSTRIP) while (base < frag.end && isAsciiSpace(text.charCodeAt(base))) base++;
        }
        if (base < frag.end) out.push(base === frag.start ? frag : { id: -1, start: base, end: frag.end });
      }
      fragments = out;
    }
    return fragments;
  }
}
