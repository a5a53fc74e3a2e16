/**
 * The disk tier: blocks appended to segment files in the storage folder as they form and read
 * through mappings. Results equal the RAM tier bit for bit; stats report the block bytes as mapped
 * instead of resident; a rolled-back call truncates the segment; scratch files live exactly as long
 * as some session (or fork) uses their blocks.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MemoryLayout } from '../../engine/binding/MemoryTestingBinding.js';
import { continueSession, goldenPrompt, sameContinuation, smallSettings, storiesFixture } from '../helpers/memio.js';
import { memoryApi, nativeCall, randomInputs, rng, sliceInputs } from '../helpers/memoryHarness.js';

const PROMPT = goldenPrompt(0);

const stories = storiesFixture('memio-disk');

const scratch = (name: string): string => {
  const d = join(stories.dir, name);
  mkdirSync(d);
  return d;
};
const sizes = (dir: string): number[] => readdirSync(dir).sort().map((n) => statSync(join(dir, n)).size);

describe('disk tier', () => {
  it('equals the RAM tier bit for bit; block bytes are mapped, not resident; scratch files follow their users', async () => {
    const dir = scratch('s1');
    const S = smallSettings('f16');
    const ram = stories.model.createSession({ attention: 'infllm', infllm: S });
    const disk = stories.model.createSession({ attention: 'infllm', infllm: { ...S, storage: 'disk', storageDir: dir } });
    await ram.eval(PROMPT, { logits: 'none' });
    await disk.eval(PROMPT, { logits: 'none' });
    const [a, b] = [ram.stats(), disk.stats()];
    expect(b.nBlocks).toBe(a.nBlocks);
    // record: K and V f16 [4 kv heads, 16 tokens, 8 dims] = 2 KiB (a multiple of 64: no padding)
    const blockBytes = 5 * a.nBlocks * (2 * 4 * 16 * 8 * 2);
    expect([a.bytesMapped, b.bytesMapped]).toEqual([0, blockBytes]);
    expect(a.bytesResident - b.bytesResident).toBe(blockBytes);
    // one scratch segment per layer, exactly the blocks' records
    expect(readdirSync(dir).every((n) => /^ifl-[0-9a-f]{16}-L00[0-4]\.blocks$/.test(n))).toBe(true);
    expect(sizes(dir)).toEqual(Array(5).fill(blockBytes / 5));
    const fork = disk.fork();
    expect(sameContinuation(await continueSession(disk, 5, 40, { temperature: 0 }), await continueSession(ram, 5, 40, { temperature: 0 }))).toBe(true);
    expect(readdirSync(dir).length).toBe(5); // new blocks went to the same segments
    await continueSession(fork, 9, 40, { temperature: 0 });
    expect(readdirSync(dir).length).toBe(10); // the fork writes its own segments
    disk.dispose();
    expect(readdirSync(dir).length).toBe(10); // the fork still reads the original's first blocks
    fork.dispose();
    expect(readdirSync(dir)).toEqual([]);
    ram.dispose();
  });

  it('a rolled-back call truncates the segment to the committed blocks', () => {
    const dir = scratch('s2');
    const lay: MemoryLayout = { nLayer: 2, nHead: 4, nHeadKv: 2, headDim: 16 };
    const settings = { nInit: 4, nLocal: 32, blockSize: 8, topk: 2, reprTopk: 2, chunk: 8, cache: 2, kvType: 'q8' as const };
    const mem = memoryApi().create(lay, { kind: 'infllm', settings: { ...settings, storage: 'disk', storageDir: dir } });
    const inputs = randomInputs(rng(5), lay, 200);
    nativeCall(mem, lay, sliceInputs(inputs, lay, 0, 120));
    const committed = sizes(dir);
    const nb = mem.stats().nBlocks;
    expect(nb).toBe(Math.floor((120 - 4 - 32) / 8));
    nativeCall(mem, lay, sliceInputs(inputs, lay, 120, 200), false); // forms more blocks, then:
    expect(sizes(dir).every((s, i) => s > committed[i])).toBe(true);
    mem.rollbackCall();
    expect(sizes(dir)).toEqual(committed);
    expect(mem.stats().nBlocks).toBe(nb);
    const blk = mem.infllmBlock(1, nb - 1);
    expect([blk.kvType, blk.mapped, blk.scores.length]).toEqual(['q8', true, 0]);
  });
});
