/**
 * Text-level pieces of the tokenizer: pre-tokenizer regex rewriting and splitting (custom GPT-2 /
 * Llama-3 splitters, collapsed categories, code point regexes), the detokenizer space clean-up,
 * and the streaming detokenizer on hand-made vocabularies. Expected splits follow the regexes by hand.
 */
import { describe, expect, it } from 'vitest';
import { cleanSpaces } from '../../engine/model/tokenizer/cleanSpaces.js';
import { tokenizerFromMetadata } from '../../engine/model/tokenizer/loadTokenizer.js';
import { asciiSpaceRegex, collapseRegex, PreTokenizer } from '../../engine/model/tokenizer/preTokenize.js';
import { preTokenizerSpec } from '../../engine/model/tokenizer/preTokenizerSpecs.js';
import { StreamingDetokenizer } from '../../engine/model/tokenizer/StreamingDetokenizer.js';
import type { Tokenizer } from '../../engine/model/tokenizer/Tokenizer.js';
import { codePointsOf } from '../../engine/model/tokenizer/unicode.js';
import { bpeMetadata, spmMetadata } from '../helpers/tinyVocab.js';

/** Pre-token texts of `text` under pre-tokenizer `pre`. */
function split(pre: string, text: string): string[] {
  const { cps } = codePointsOf(text);
  const lens = new PreTokenizer(preTokenizerSpec(pre)).split(cps);
  const out: string[] = [];
  let k = 0;
  for (const len of lens) {
    out.push(String.fromCodePoint(...cps.subarray(k, k + len)));
    k += len;
  }
  return out;
}

describe('pre-tokenizer', () => {
  it('rewrites \\p{L}/\\p{N}/\\p{P} into collapsed-text classes, inside and outside brackets', () => {
    expect(collapseRegex(String.raw` ?\p{L}+|[^\s\p{L}\p{N}]`)).toBe(String.raw` ?[\xD2A-Za-z]+|[^\s\xD2A-Za-z\xD10-9]`);
    expect(collapseRegex(String.raw`\p{P}`)).toBe(String.raw`[\xD3!-#%-*,-/:-;?-@\[-\]_\{\}]`);
    expect(asciiSpaceRegex(String.raw`\s?[a\s]|\S|\\s`)).toBe(String.raw`[\t\n\v\f\r ]?[a\t\n\v\f\r ]|[^\t\n\v\f\r ]|\\s`);
  });

  it('splits like the GPT-2 regex, leaving one space for the next word', () => {
    expect(split('gpt-2', "Hello world's  test\n")).toEqual(['Hello', ' world', "'s", ' ', ' test', '\n']);
  });

  it('splits like the Llama-3 regex: digit triples, newline runs, case-insensitive contractions', () => {
    expect(split('llama-bpe', 'Hello 123456\n\n  x')).toEqual(['Hello', ' ', '123', '456', '\n\n', ' ', ' x']);
    expect(split('llama-bpe', "I'LL")).toEqual(['I', "'LL"]);
  });

  it('keeps llama.cpp quirks: unassigned code points never join a run', () => {
    expect(split('gpt-2', '\u0378\u0378')).toEqual(['\u0378', '\u0378']);
    expect(split('gpt-2', '$$')).toEqual(['$$']);
  });

  it('runs category regexes on collapsed text and other regexes on code points', () => {
    expect(split('starcoder', 'a12')).toEqual(['a', '1', '2']);
    expect(split('qwen2', 'x١٢')).toEqual(['x', '١', '٢']); // Arabic-Indic digits are \p{N}
    expect(split('deepseek-llm', 'Hi 你好!')).toEqual(['Hi', ' ', '你好', '!']);
    // U+3000 (ideographic space) is whitespace, so \s matches it on the code point path too.
    expect(split('deepseek-llm', 'a\u3000b')).toEqual(['a', '\u3000b']);
  });
});

describe('detokenizer space clean-up', () => {
  const clean = (s: string) => new TextDecoder().decode(cleanSpaces(new TextEncoder().encode(s)).bytes);
  it('removes spaces before ?!., and in contractions as llama.cpp does', () => {
    expect(clean('Hello , world !')).toBe('Hello, world!');
    expect(clean(' ?')).toBe('?');
    expect(clean("a ' b")).toBe("a'b");
    expect(clean("I 'm here, they 're")).toBe("I'm here, they're");
    expect(clean("I 'll go, don 't")).toBe("I 'll go, don 't");
  });
  it('reports where each output byte came from', () => {
    expect([...cleanSpaces(new TextEncoder().encode('a ,b')).src]).toEqual([0, 2, 3]);
  });
});

describe('StreamingDetokenizer', () => {
  const spm = tokenizerFromMetadata(spmMetadata([{ text: '▁a' }]));
  const B = (b: number) => 3 + b;

  it('holds back half a character and strips the first SPM space', () => {
    const sd = new StreamingDetokenizer(spm);
    expect(sd.push(259)).toBe('a');
    expect(sd.push(B(0xc3))).toBe('');
    expect(sd.push(B(0xa9))).toBe('é');
    expect(sd.push(259)).toBe(' a');
    expect(sd.flush()).toBe('');
    expect(sd.push(B(0xe2))).toBe('');
    expect(sd.flush()).toBe('\uFFFD');
    expect(() => sd.push(99999)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('keeps the last bytes back while the space clean-up could still change them', () => {
    const bpe = tokenizerFromMetadata(bpeMetadata(['a', 'Ġ', ',', 'Ġ,'].map((text) => ({ text })), ['Ġ ,'], 'gpt-2'));
    const sd = new StreamingDetokenizer(bpe);
    let out = '';
    for (let i = 0; i < 40; i++) out += sd.push(i % 2 === 0 ? 0 : 3);
    expect(out.length).toBeGreaterThan(0);
    out += sd.flush();
    expect(out).toBe('a,'.repeat(20));
    expect(out).toBe(bpe.decode(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0 : 3))));
  });
});
