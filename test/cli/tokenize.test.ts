/**
 * `infllm tokenize` / `infllm detokenize` through the built binary (node bin/infllm.js, needs
 * `npm run build:ts`): ids against the llama.cpp golden tokens, stdin taken as is, round trips,
 * --no-bos / --no-special, and exit code 1 with one error line for bad input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../engine/binding/loadBinding.js';
import { runCli, type CliRun } from '../helpers/gguf.js';
import { sharedPath } from '../helpers/shared.js';

const infllm = (args: string[], input: string | Buffer): CliRun => runCli(args, { input });

interface GoldenCase {
  id: string;
  prompt: string;
  tokens: number[];
}
const golden = (file: string) => JSON.parse(readFileSync(sharedPath('golden', file), 'utf8')).cases as GoldenCase[];
const byId = (cases: GoldenCase[], id: string) => cases.find((c) => c.id === id) as GoldenCase;

describe('infllm tokenize / detokenize', () => {
  const stories = sharedPath('models', 'stories260K.gguf');
  const tiny = sharedPath('models', 'llama-2-tiny-random.gguf');
  const qwen = sharedPath('tokenizer-vectors', 'ggml-vocab-qwen2.gguf');

  beforeAll(() => {
    if (!existsSync(join(packageRoot(), 'dist', 'engine', 'cli', 'main.js'))) throw new Error('run "npm run build:ts" first');
  });

  it('prints the llama.cpp token ids, with and without BOS', () => {
    const cases = golden('stories260K.golden.json');
    const once = byId(cases, 'once_upon__bos');
    const r = infllm(['tokenize', stories], once.prompt);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(once.tokens);
    expect(JSON.parse(infllm(['tokenize', stories, '--no-bos'], once.prompt).stdout)).toEqual(byId(cases, 'once_upon__nobos').tokens);
  });

  it('takes stdin as is (leading/trailing whitespace, tabs, newlines) and round-trips through detokenize', () => {
    const cases = golden('llama-2-tiny-random.golden.json');
    for (const id of ['whitespace__nobos', 'unicode_mix__nobos']) {
      const c = byId(cases, id);
      const tok = infllm(['tokenize', '--no-bos', tiny], c.prompt);
      expect(tok.status).toBe(0);
      expect(JSON.parse(tok.stdout)).toEqual(c.tokens);
      const detok = infllm(['detokenize', tiny], tok.stdout);
      expect(detok.status).toBe(0);
      expect(detok.stdout).toBe(c.prompt);
    }
  });

  it('parses special-token text unless --no-special', () => {
    const text = '<|im_start|>user\n你好<|im_end|>';
    expect(JSON.parse(infllm(['tokenize', qwen], text).stdout)).toEqual([151644, 872, 198, 108386, 151645]);
    const plain = JSON.parse(infllm(['tokenize', qwen, '--no-special'], text).stdout) as number[];
    expect(plain).not.toContain(151644);
    expect(infllm(['detokenize', qwen], JSON.stringify(plain)).stdout).toBe(text);
  });

  it('exits 1 with one error line for bad input', () => {
    const bad: [string[], string][] = [
      [['detokenize', tiny], '[1, 2'],
      [['detokenize', tiny], '{"ids": [1]}'],
      [['detokenize', tiny], '[1, 2.5]'],
      [['detokenize', tiny], '[1, 32000]'],
      [['detokenize', tiny], '[-1]'],
      [['tokenize', tiny, '--bogus'], 'x'],
      [['tokenize'], 'x'],
      [['tokenize', join(packageRoot(), 'no-such-model.gguf')], 'x'],
    ];
    for (const [args, input] of bad) {
      const r = infllm(args, input);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n').length, r.stderr).toBe(1);
    }
  });
});
