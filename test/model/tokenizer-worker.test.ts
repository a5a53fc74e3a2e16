/**
 * encodeWithOffsetsInWorker (engine/model/tokenizer/encodeInWorker.ts): the worker thread's
 * result equals the calling thread's encodeWithOffsets (itself checked against llama.cpp by the
 * tokenizer-vector tests) for SPM and BPE vocabularies; cancellation and errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeWithOffsetsInWorker } from '../../engine/model/tokenizer/encodeInWorker.js';
import { loadTokenizerSync } from '../../engine/model/tokenizer/loadTokenizer.js';
import { LlamaTokenizer, type EncodedText, type Tokenizer } from '../../engine/model/tokenizer/Tokenizer.js';
import { sharedPath } from '../helpers/shared.js';

/** ~300,000 characters: the llama-bpe vector inputs (many scripts, spaces, digits, emoji), repeated. */
function longText(): string {
  const inp = readFileSync(sharedPath('tokenizer-vectors', 'ggml-vocab-llama-bpe.gguf.inp'), 'utf8');
  return inp.repeat(Math.ceil(300_000 / inp.length)).slice(0, 300_000);
}

const same = (a: EncodedText, b: EncodedText) => {
  expect(a.ids.length).toBe(b.ids.length);
  expect(a.ids).toEqual(b.ids);
  expect(Array.from(a.offsets)).toEqual(Array.from(b.offsets));
};

describe('tokenizing in a worker thread', () => {
  const vocabularies: [string, () => Tokenizer][] = [
    ['stories260K (SPM)', () => loadTokenizerSync(sharedPath('models', 'stories260K.gguf'))],
    ['qwen2 (BPE)', () => loadTokenizerSync(sharedPath('tokenizer-vectors', 'ggml-vocab-qwen2.gguf'))],
    ['llama-bpe (BPE)', () => loadTokenizerSync(sharedPath('tokenizer-vectors', 'ggml-vocab-llama-bpe.gguf'))],
  ];
  it.each(vocabularies)('%s: the same ids and offsets as on the calling thread', async (_name, load) => {
    const tokenizer = load();
    expect(tokenizer).toBeInstanceOf(LlamaTokenizer);
    const text = longText();
    for (const options of [{ addSpecial: false, parseSpecial: false }, { addSpecial: true, parseSpecial: true }]) {
      same(await encodeWithOffsetsInWorker(tokenizer, text, options), tokenizer.encodeWithOffsets(text, options));
    }
  }, 120_000);

  it('rejects with the signal reason when cancelled while encoding, and at once when already cancelled', async () => {
    const tokenizer = vocabularies[1][1]();
    const big = longText().repeat(10); // ~3 M characters: seconds of work
    const controller = new AbortController();
    const p = encodeWithOffsetsInWorker(tokenizer, big, {}, controller.signal);
    setTimeout(() => controller.abort(new Error('cancelled by the test')), 50);
    await expect(p).rejects.toThrow('cancelled by the test');
    await expect(encodeWithOffsetsInWorker(tokenizer, 'abc', {}, controller.signal)).rejects.toThrow('cancelled by the test');
  }, 60_000);

  it('reports a failure inside the worker as a typed error', async () => {
    const good = vocabularies[0][1]() as LlamaTokenizer;
    // a vocabulary whose token table was cut off: the worker's tokenizer cannot be built
    const broken = Object.create(LlamaTokenizer.prototype) as LlamaTokenizer;
    Object.defineProperty(broken, 'data', { value: { ...good.data, kind: 'not-a-kind', tokens: [] } });
    await expect(encodeWithOffsetsInWorker(broken, 'some text', {})).rejects.toMatchObject({ name: 'EngineError', code: expect.stringMatching(/^[A-Z_]+$/) });
  });

  it('runs a tokenizer that is not a LlamaTokenizer (a test fake) on the calling thread', async () => {
    const fake = { encodeWithOffsets: (text: string) => ({ ids: [text.length], offsets: Int32Array.of(0) }) } as unknown as Tokenizer;
    expect(await encodeWithOffsetsInWorker(fake, 'four', {})).toEqual({ ids: [4], offsets: Int32Array.of(0) });
  });
});
