/** tokenizerDataFromMetadata: llama.cpp's defaults for absent keys, load-time fix-ups, and typed errors. */
import { describe, expect, it } from 'vitest';
import type { GgufMetadata } from '../../engine/model/gguf.js';
import { Attr } from '../../engine/model/tokenizer/tokenAttrs.js';
import { tokenizerDataFromMetadata } from '../../engine/model/tokenizer/TokenizerData.js';
import { bpeMetadata, spmMetadata, T, wpmMetadata } from '../helpers/tinyVocab.js';

function codeOf(md: GgufMetadata): string | undefined {
  try {
    tokenizerDataFromMetadata(md);
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('tokenizerDataFromMetadata', () => {
  it('gives SPM vocabularies BOS 1 / EOS 2 / UNK 0, add-BOS and a space prefix when the keys are absent', () => {
    const d = tokenizerDataFromMetadata(spmMetadata([{ text: '▁a' }]));
    expect(d.kind).toBe('spm');
    expect([d.bos, d.eos, d.unk, d.sep, d.pad]).toEqual([1, 2, 0, null, null]);
    expect(d.addBos).toBe(true);
    expect(d.addEos).toBe(false);
    expect(d.addSpacePrefix).toBe(true);
    expect(d.cleanSpaces).toBe(false);
  });

  it('lets explicit keys override the defaults and ignores special ids outside the vocabulary', () => {
    const d = tokenizerDataFromMetadata(
      spmMetadata([{ text: '▁a' }], {
        'tokenizer.ggml.add_bos_token': false,
        'tokenizer.ggml.add_space_prefix': false,
        'tokenizer.ggml.eos_token_id': 3,
        'tokenizer.ggml.seperator_token_id': 4294967295,
        'tokenizer.ggml.padding_token_id': 4294967295,
      }),
    );
    expect(d.addBos).toBe(false);
    expect(d.addSpacePrefix).toBe(false);
    expect(d.eos).toBe(3);
    expect(d.sep).toBeNull();
    expect(d.pad).toBeNull();
  });

  it('uses the pre-tokenizer to decide BPE flags: no BOS by default, llama-bpe adds it and ignores merges', () => {
    const toks = [{ text: 'a' }, { text: 'b' }, { text: 'ab' }];
    const gpt2 = tokenizerDataFromMetadata(bpeMetadata(toks, ['a b'], 'gpt-2', { 'tokenizer.ggml.bos_token_id': 0 }));
    expect([gpt2.addBos, gpt2.ignoreMerges, gpt2.cleanSpaces]).toEqual([false, false, true]);
    const llama3 = tokenizerDataFromMetadata(bpeMetadata(toks, ['a b'], 'llama-bpe', { 'tokenizer.ggml.bos_token_id': 0 }));
    expect([llama3.addBos, llama3.ignoreMerges, llama3.cleanSpaces]).toEqual([true, true, true]);
    const qwen = tokenizerDataFromMetadata(bpeMetadata(toks, ['a b'], 'qwen2'));
    expect(qwen.cleanSpaces).toBe(false);
    const noPre = bpeMetadata(toks, ['a b'], 'x');
    delete noPre['tokenizer.ggml.pre'];
    expect(tokenizerDataFromMetadata(noPre).pre).toBe('default');
  });

  it('takes CLS as BOS for WordPiece and adds it by default', () => {
    const d = tokenizerDataFromMetadata(wpmMetadata(['▁a']));
    expect([d.bos, d.unk, d.sep, d.addBos]).toEqual([101, 100, 102, true]);
  });

  it('finds end-of-turn tokens by their text, marks them control and collects the EOG set', () => {
    const d = tokenizerDataFromMetadata(
      bpeMetadata([{ text: 'a' }, { text: '<|endoftext|>', type: T.CONTROL }, { text: '<|im_start|>', type: T.CONTROL }, { text: '<|im_end|>' }], [], 'qwen2', {
        'tokenizer.ggml.eos_token_id': 1,
      }),
    );
    expect(d.eot).toBe(3);
    expect(d.attrs[3] & Attr.CONTROL).toBeTruthy();
    expect(d.eogIds).toEqual([1, 3]);
  });

  it('gives Phi-3 special tokens rstrip except <unk>, <s> and <|endoftext|>', () => {
    const d = tokenizerDataFromMetadata(
      spmMetadata([{ text: '<|user|>', type: T.CONTROL }, { text: '<|endoftext|>', type: T.CONTROL }], { 'general.name': 'Phi3' }),
    );
    const rstrip = (id: number) => (d.attrs[id] & Attr.RSTRIP) !== 0;
    expect([rstrip(259), rstrip(260), rstrip(0), rstrip(1), rstrip(2)]).toEqual([true, false, false, false, true]);
  });

  it('rejects missing, malformed and unsupported tokenizers with typed errors', () => {
    const ok = spmMetadata([{ text: 'a' }]);
    const noModel = { ...ok };
    delete noModel['tokenizer.ggml.model'];
    expect(codeOf(noModel)).toBe('BAD_METADATA');
    expect(codeOf({ 'tokenizer.ggml.tokens': ['a'] })).toBe('BAD_METADATA');
    expect(codeOf({ ...ok, 'tokenizer.ggml.model': 'rwkv' })).toBe('TOKENIZER_ERROR');
    expect(codeOf(bpeMetadata([{ text: 'a' }], [], 'no-such-pre'))).toBe('TOKENIZER_ERROR');
    const noMerges = bpeMetadata([{ text: 'a' }], [], 'gpt-2');
    delete noMerges['tokenizer.ggml.merges'];
    expect(codeOf(noMerges)).toBe('BAD_METADATA');
    expect(codeOf({ ...ok, 'tokenizer.ggml.tokens': ['a', 'a'] })).toBe('BAD_METADATA');
    expect(codeOf({ ...ok, 'tokenizer.ggml.scores': new Float32Array(2) })).toBe('BAD_METADATA');
    expect(codeOf({ ...ok, 'tokenizer.ggml.tokens': [1, 2] as never })).toBe('BAD_METADATA');
    expect(codeOf({ ...ok, 'tokenizer.ggml.add_bos_token': 'yes' })).toBe('BAD_METADATA');
  });

  it('replaces empty token texts the way llama.cpp does', () => {
    const d = tokenizerDataFromMetadata(spmMetadata([{ text: '' }]));
    expect(d.tokens[259]).toBe('[EMPTY_259]');
  });
});
