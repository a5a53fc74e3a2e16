/**
 * `infllm synth`, driven in-process through runCli: a custom shape and a preset with overridden
 * flags are written and read back with the native reader; bad flags give a one-line usage error.
 */
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../engine/cli/main.js';
import { readGgufSync } from '../../engine/model/gguf.js';
import { makeTempDir } from '../helpers/gguf.js';

const tmp = makeTempDir('cli-synth');
afterAll(() => tmp.cleanup());

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await runCli(['synth', ...args], { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

describe('infllm synth', () => {
  it('writes a custom shape', async () => {
    const path = join(tmp.dir, 'custom.gguf');
    const r = await cli([path, '--arch', 'qwen3', '--layers', '2', '--embd', '256', '--heads', '4', '--kv-heads', '2', '--ff', '256', '--vocab', '300', '--ctx', '512', '--theta', '1000000', '--type', 'Q8_0', '--seed', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const f = readGgufSync(path);
    expect(JSON.parse(r.stdout)).toEqual({ path, bytes: f.fileSize, tensors: f.tensors.length, weightType: 'Q8_0' });
    expect(f.metadata['general.architecture']).toBe('qwen3');
    expect(f.metadata['qwen3.block_count']).toBe(2);
    expect(f.tensors.find((t) => t.name === 'blk.1.attn_q.weight')?.typeName).toBe('Q8_0');
  });

  it('takes a preset and lets flags override it (Qwen2.5-0.5B shape with a small vocabulary and one layer)', async () => {
    const path = join(tmp.dir, 'preset.gguf');
    const r = await cli([path, '--preset', 'qwen2.5-0.5b', '--layers', '1', '--vocab', '400', '--type', 'Q4_0']);
    expect(r.code).toBe(0);
    const f = readGgufSync(path);
    expect([f.metadata['qwen2.embedding_length'], f.metadata['qwen2.feed_forward_length'], f.metadata['qwen2.attention.head_count']]).toEqual([896, 4864, 14]);
    expect(f.tensors.find((t) => t.name === 'output.weight')).toBeUndefined(); // tied embeddings
    expect(f.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')?.dims).toEqual([4864, 896]);
  });

  it.each([
    [['x.gguf', '--preset', 'gpt-5'], /unknown preset "gpt-5"/],
    [['x.gguf', '--arch', 'llama'], /missing nLayer/],
    [['x.gguf', '--preset', 'qwen2.5-0.5b', '--type', 'Q5_K'], /--type must be one of/],
    [['x.gguf', '--bogus'], /Unknown option '--bogus'/],
    [[], /expected exactly one argument/],
  ])('%j fails with one line', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
