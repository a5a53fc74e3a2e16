/**
 * llama.cpp's tokenizer vectors through the real GGUF vocabularies: exact ids (addSpecial and
 * parseSpecial off, as test-tokenizer-0), ids → text round trips, the offsets property of
 * encodeWithOffsets, and the streaming detokenizer against decode().
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizerSync } from '../../engine/model/tokenizer/loadTokenizer.js';
import { StreamingDetokenizer } from '../../engine/model/tokenizer/StreamingDetokenizer.js';
import type { Tokenizer } from '../../engine/model/tokenizer/Tokenizer.js';
import { vectorSets, vocabulariesWithoutVectors, type VectorCase } from '../helpers/tokenizerVectors.js';

const RAW = { addSpecial: false, parseSpecial: false };
const utf8 = (s: string) => new TextEncoder().encode(s);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** [utf8 length + 1] for each byte of text's UTF-8: the UTF-16 index of the character containing it. */
function byteToCharStart(text: string): number[] {
  const map: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const units = cp > 0xffff ? 2 : 1;
    for (let b = 0; b < utf8(String.fromCodePoint(cp)).length; b++) map.push(i);
    i += units;
  }
  map.push(text.length);
  return map;
}

/** Does the detokenizer clean-up (llama.cpp clean_spaces) have anything to act on in `text`? */
function hasCleanupTrigger(text: string): boolean {
  return / [?!.,]| ' | '(?:s|m|re|ve)/.test(text);
}

/** WordPiece normalisation written independently: NFD, no combining marks, lowercase, no whitespace/controls. */
function wpmNorm(s: string): string {
  return s.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase().replace(/[\s\p{Cc}\p{Cf}]/gu, '');
}

for (const set of vectorSets()) {
  describe(`tokenizer vectors: ${set.name}`, () => {
    let tok: Tokenizer;
    beforeAll(() => {
      tok = loadTokenizerSync(set.gguf);
    });

    it(`reproduces all ${set.cases.length} vectors exactly`, () => {
      const wrong = set.cases
        .map((c) => ({ text: c.text, expected: c.ids, got: tok.encode(c.text, RAW) }))
        .filter((r) => JSON.stringify(r.got) !== JSON.stringify(r.expected));
      expect(wrong).toEqual([]);
      expect(set.cases.length).toBe(46);
    });

    it('decodes ids back to the text where the vocabulary is lossless', () => {
      // SPM (byte fallback) and byte-level BPE lose nothing; llama.cpp's decode only removes the
      // SPM prefix space and, for clean-spaces vocabularies, spaces before punctuation/apostrophes.
      // WordPiece lowercases and drops accents and whitespace, so it has no round trip.
      if (tok.kind === 'wpm') return;
      const checked = set.cases.filter((c) => !(tok.data.cleanSpaces && hasCleanupTrigger(c.text)));
      const wrong = checked.filter((c) => tok.decode(c.ids) !== c.text).map((c) => c.text);
      expect(wrong).toEqual([]);
      expect(checked.length).toBeGreaterThan(30);
    });

    it('gives offsets that locate every token in the text', () => {
      for (const c of set.cases) checkOffsets(tok, c);
    });

    it('streams the same text as decode(), emitting only whole characters', () => {
      for (const c of set.cases) {
        for (const ids of [c.ids, tok.encode(c.text, { addSpecial: true, parseSpecial: false })]) {
          for (const skipSpecial of [false, true]) {
            const sd = new StreamingDetokenizer(tok, { skipSpecial });
            let out = '';
            for (const id of ids) {
              const part = sd.push(id);
              expect(part).not.toMatch(/\uFFFD/);
              expect(part).not.toMatch(LONE_SURROGATE);
              out += part;
            }
            out += sd.flush();
            expect(out).toBe(tok.decode(ids, { skipSpecial }));
          }
        }
      }
    });
  });
}

describe('vocabularies without vectors (baichuan: SPM, gpt-neox: BPE with the default pre-tokenizer)', () => {
  const texts = vectorSets()[0].cases.map((c) => c.text);
  for (const gguf of vocabulariesWithoutVectors()) {
    it(`${gguf.split('/').pop()}: round-trips the vector texts and locates every token`, () => {
      const tok = loadTokenizerSync(gguf);
      expect(tok.kind === 'spm' || tok.kind === 'bpe').toBe(true);
      const checked = texts.filter((t) => !(tok.data.cleanSpaces && hasCleanupTrigger(t)));
      for (const text of checked) {
        const ids = tok.encode(text, RAW);
        expect(tok.decode(ids)).toBe(text);
        checkOffsets(tok, { text, ids });
      }
      expect(checked.length).toBeGreaterThan(30);
    });
  }
});

/**
 * The offsets property. Always: offsets are non-decreasing and within [0, text.length].
 * SPM and BPE: the pieces concatenated are exactly the text's UTF-8 (after the one SPM prefix space
 * that is not in the text). If token j's bytes start at byte b_j of that UTF-8, offsets[j] is the
 * UTF-16 index of the character containing byte b_j; and when a token starts and ends on
 * character boundaries, its piece decodes to text.slice(offsets[j], offsets[j + 1]).
 * WordPiece: the normalised slice from a token's offset to the next token's offset is the token's
 * text (without its word-start marker); unknown-word tokens are skipped.
 */
function checkOffsets(tok: Tokenizer, c: VectorCase): void {
  const { ids, offsets } = tok.encodeWithOffsets(c.text, RAW);
  expect(ids).toEqual(c.ids);
  expect(offsets.length).toBe(ids.length);
  for (let j = 0; j < offsets.length; j++) {
    expect(offsets[j]).toBeGreaterThanOrEqual(j > 0 ? offsets[j - 1] : 0);
    expect(offsets[j]).toBeLessThanOrEqual(c.text.length);
  }
  const end = (j: number) => (j + 1 < offsets.length ? offsets[j + 1] : c.text.length);
  if (tok.kind === 'wpm') {
    ids.forEach((id, j) => {
      if (id === tok.data.unk) return;
      expect(wpmNorm(c.text.slice(offsets[j], end(j)))).toBe(tok.tokenText(id).replace(/^\u2581/, ''));
    });
    return;
  }
  const pieces = ids.map((id) => tok.tokenToPiece(id));
  const all = Buffer.concat(pieces);
  const virtual = tok.kind === 'spm' && tok.data.addSpacePrefix && c.text.length > 0 ? 1 : 0;
  if (virtual) expect(all[0]).toBe(0x20);
  expect(Buffer.from(all.subarray(virtual)).equals(Buffer.from(utf8(c.text)))).toBe(true);
  const charOf = byteToCharStart(c.text);
  let b = 0;
  const starts = pieces.map((p) => {
    const s = Math.max(0, b - virtual);
    b += p.length;
    return s;
  });
  const textBytes = utf8(c.text);
  ids.forEach((_, j) => {
    expect(offsets[j]).toBe(charOf[starts[j]]);
    const bEnd = j + 1 < ids.length ? starts[j + 1] : textBytes.length;
    const aligned = (x: number) => x === textBytes.length || charOf[x] !== charOf[x - 1] || x === 0;
    if (aligned(starts[j]) && aligned(bEnd) && bEnd > starts[j]) {
      expect(new TextDecoder().decode(textBytes.subarray(starts[j], bEnd))).toBe(c.text.slice(offsets[j], end(j)));
    }
  });
}
