/**
 * SPM, BPE and WordPiece on hand-made vocabularies: merge order, tie-breaking, byte fallback,
 * unknown words, special-token partition (parseSpecial on/off, user-defined, longest first,
 * lstrip), BOS/EOS/CLS/SEP, offsets and pieces. Every expectation is worked out by hand from
 * llama.cpp's algorithm (see the comments).
 */
import { describe, expect, it } from 'vitest';
import { tokenizerFromMetadata } from '../../engine/model/tokenizer/loadTokenizer.js';
import { bpeMetadata, spmMetadata, T, wpmMetadata } from '../helpers/tinyVocab.js';

const RAW = { addSpecial: false, parseSpecial: false };
const B = (b: number) => 3 + b; // SPM byte token id of byte b (after <unk> <s> </s>)

// SPM ids 259..: ▁ a b c ▁a ab bc abc ▁ab <ctl> <ctl>x XY
const spm = tokenizerFromMetadata(
  spmMetadata([
    { text: '▁', score: -5 },
    { text: 'a', score: -4 },
    { text: 'b', score: -4 },
    { text: 'c', score: -4 },
    { text: '▁a', score: -1 },
    { text: 'ab', score: -2 },
    { text: 'bc', score: -0.5 },
    { text: 'abc', score: -3 },
    { text: '▁ab', score: -0.1 },
    { text: '<ctl>', type: T.CONTROL },
    { text: '<ctl>x', type: T.CONTROL },
    { text: 'XY', type: T.USER },
  ]),
);

describe('SPM (llama) tokenizer', () => {
  it('merges the best-scoring pair first', () => {
    // "▁abc": bc (-0.5) beats ▁a (-1) and ab (-2); then ▁a; "abc" and "▁abc" never form.
    const r = spm.encodeWithOffsets('abc', RAW);
    expect(r.ids).toEqual([263, 265]);
    expect([...r.offsets]).toEqual([0, 1]);
    expect(spm.encode('abc')).toEqual([1, 263, 265]);
  });

  it('breaks score ties towards the left and falls back to bytes or <unk>', () => {
    const tie = tokenizerFromMetadata(spmMetadata([{ text: 'a' }, { text: 'aa', score: -1 }], { 'tokenizer.ggml.add_space_prefix': false }));
    expect(tie.encode('aaa', RAW)).toEqual([260, 259]);
    // é is not a token: its two UTF-8 bytes become byte tokens, both at the offset of é.
    const r = spm.encodeWithOffsets('aé', RAW);
    expect(r.ids).toEqual([263, B(0xc3), B(0xa9)]);
    expect([...r.offsets]).toEqual([0, 1, 1]);
    const noBytes = tokenizerFromMetadata(spmMetadata([{ text: '▁' }], {}, false));
    expect(noBytes.encode('z', RAW)).toEqual([3, 0]);
  });

  it('cuts special tokens out of the text only when parseSpecial is on (user-defined always)', () => {
    // Each text fragment after a special token gets its own prefix space, so "b" → ▁ b.
    const r = spm.encodeWithOffsets('a<ctl>b', { addSpecial: false, parseSpecial: true });
    expect(r.ids).toEqual([263, 268, 259, 261]);
    expect([...r.offsets]).toEqual([0, 1, 6, 6]);
    expect(spm.encode('<ctl>x', { addSpecial: false })).toEqual([269]);
    // Plain text: < t l > are bytes, c is a token.
    expect(spm.encode('<ctl>', RAW)).toEqual([259, B(0x3c), 262, B(0x74), B(0x6c), B(0x3e)]);
    expect(spm.encode('aXYb', RAW)).toEqual([263, 270, 259, 261]);
  });

  it('decodes like llama.cpp: first-token space removed, BOS kept or skipped', () => {
    expect(spm.decode([263, 265])).toBe('abc');
    expect(spm.decode([1, 263, 265])).toBe('<s> abc');
    expect(spm.decode([1, 263, 265], { skipSpecial: true })).toBe(' abc');
    expect(spm.decode([268])).toBe('<ctl>');
    expect(spm.decode([268], { skipSpecial: true })).toBe('');
    expect(spm.decode([B(0xc3), B(0xa9)])).toBe('é');
    expect([...spm.tokenToPiece(B(0xc3))]).toEqual([0xc3]);
    expect([...spm.tokenToPiece(263)]).toEqual([0x20, 0x61]);
    expect(spm.tokenToPiece(1, { special: false }).length).toBe(0);
    expect(() => spm.decode([99999])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => spm.tokenToPiece(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('treats a lone surrogate like U+FFFD without shifting offsets', () => {
    expect(spm.encode('a\uD800', RAW)).toEqual(spm.encode('a\uFFFD', RAW));
  });
});

// BPE ids: a b c Ġ ab bc abc Ġa Ã © xyz x y z <|s|> <mask> aa
const BPE_TOKENS = ['a', 'b', 'c', 'Ġ', 'ab', 'bc', 'abc', 'Ġa', 'Ã', '©', 'xyz', 'x', 'y', 'z', '<|s|>', '<mask>', 'aa'].map((text) => ({
  text,
  type: text.startsWith('<') ? T.CONTROL : T.NORMAL,
}));
const MERGES = ['b c', 'a b', 'a bc', 'Ġ a', 'a a'];
const bpe = tokenizerFromMetadata(bpeMetadata(BPE_TOKENS, MERGES, 'gpt-2'));

describe('BPE (gpt2) tokenizer', () => {
  it('applies merges by rank, leftmost first among equal ranks', () => {
    // abc: "b c" (rank 0) first, then "a bc" (rank 2); "a b" is then outdated.
    expect(bpe.encode('abc', RAW)).toEqual([6]);
    // " abc": Ġ a b c → Ġ abc ("Ġ a" would need a, which "a bc" took first).
    const r = bpe.encodeWithOffsets(' abc', RAW);
    expect(r.ids).toEqual([3, 6]);
    expect([...r.offsets]).toEqual([0, 1]);
    expect(bpe.encode('aaa', RAW)).toEqual([16, 0]);
  });

  it('encodes non-ASCII text as GPT-2 byte characters that share the character offset', () => {
    const r = bpe.encodeWithOffsets('aé', RAW);
    expect(r.ids).toEqual([0, 8, 9]);
    expect([...r.offsets]).toEqual([0, 1, 1]);
    expect(bpe.decode([0, 8, 9])).toBe('aé');
  });

  it('keeps a pre-token that is a token whole when the pre-tokenizer ignores merges (llama-bpe)', () => {
    expect(bpe.encode('xyz', RAW)).toEqual([11, 12, 13]);
    const llama3 = tokenizerFromMetadata(bpeMetadata(BPE_TOKENS, MERGES, 'llama-bpe', { 'tokenizer.ggml.bos_token_id': 14 }));
    expect(llama3.encode('xyz', RAW)).toEqual([10]);
    expect(llama3.encode('xyz')).toEqual([14, 10]);
  });

  it('strips whitespace left of an lstrip special token (jina <mask>)', () => {
    const jina = tokenizerFromMetadata(bpeMetadata(BPE_TOKENS, MERGES, 'jina-v2-de'));
    const r = jina.encodeWithOffsets('a <mask>', { addSpecial: false, parseSpecial: true });
    expect(r.ids).toEqual([0, 15]);
    expect([...r.offsets]).toEqual([0, 2]);
    expect(bpe.encode('a <mask>', { addSpecial: false, parseSpecial: true })).toEqual([0, 3, 15]);
  });
});

// WordPiece ids 104..: ▁hello ▁he llo ▁, ▁world ▁cafe ▁!
const wpm = tokenizerFromMetadata(wpmMetadata(['▁hello', '▁he', 'llo', '▁,', '▁world', '▁cafe', '▁!']));

describe('WordPiece (bert) tokenizer', () => {
  it('lowercases, strips accents, splits punctuation and maps unknown words to [UNK]', () => {
    const r = wpm.encodeWithOffsets('Hello, WORLD xyz!', RAW);
    expect(r.ids).toEqual([104, 107, 108, 100, 110]);
    expect([...r.offsets]).toEqual([0, 5, 7, 13, 16]);
    expect(wpm.encode('Café', RAW)).toEqual([109]);
  });

  it('adds CLS and SEP, zero-length at both ends', () => {
    const r = wpm.encodeWithOffsets('hello', { addSpecial: true });
    expect(r.ids).toEqual([101, 104, 102]);
    expect([...r.offsets]).toEqual([0, 0, 5]);
  });

  it('takes the longest piece first', () => {
    const w = tokenizerFromMetadata(wpmMetadata(['▁he', 'llo', '▁h', 'l']));
    const r = w.encodeWithOffsets('hello', RAW);
    expect(r.ids).toEqual([104, 105]);
    expect([...r.offsets]).toEqual([0, 2]);
  });
});
