/**
 * Saved memories on stories260K (InfLLM settings with 16-token blocks: ~53 blocks per layer for a
 * 926-token prompt): save → open → continue is bit-identical (ids and logits) to continuing the
 * original session, for every block element type and both storage tiers; forks of an opened
 * memory are copy-on-write and independent; re-saving over an opened memory's own folder replaces
 * it atomically while the opened session keeps working; the files' sizes and CRC-32C values in the
 * manifest match an independent computation; the disk tier reports mapped bytes.
 */
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NativeInfllmStorage, NativeKvType, NativeSamplingParams } from '../../engine/binding/ModelBinding.js';
import { continueSession, crc32c, goldenPrompt, hex8, manifestChecks, sameContinuation, smallSettings, storiesFixture } from '../helpers/memio.js';
import { sharedPath } from '../helpers/shared.js';

const PROMPT = goldenPrompt(0); // 926 tokens
const GREEDY: NativeSamplingParams = { temperature: 0 };
// Temperature sampling with penalties: the next token depends on the RNG stream (position) and on
// the saved token history, so this also checks that both survive the round trip.
const SAMPLED: NativeSamplingParams = { temperature: 0.9, seed: 11, repeatPenalty: 1.3, penaltyLastN: 64 };
const STEPS = 40; // > 2 blocks of 16: new blocks form after opening

const stories = storiesFixture('memio-roundtrip');

/** name -> CRC-32C of every file of a folder. */
function folderCrcs(dir: string): Record<string, number> {
  return Object.fromEntries(readdirSync(dir).map((n) => [n, crc32c(readFileSync(join(dir, n)))]));
}

function storageOf(kind: 'ram' | 'disk', label: string): NativeInfllmStorage {
  if (kind === 'ram') return { storage: 'ram' };
  const dir = join(stories.dir, `scratch-${label}`);
  mkdirSync(dir, { recursive: true });
  return { storage: 'disk', storageDir: dir };
}

describe('save / open / fork round trips', () => {
  const combos: [NativeKvType, 'ram' | 'disk'][] = [['f32', 'ram'], ['f32', 'disk'], ['f16', 'ram'], ['f16', 'disk'], ['q8', 'ram'], ['q8', 'disk']];
  it.each(combos)('%s blocks, %s tier: continuing after open equals continuing without the round trip', async (kvType, tier) => {
    const label = `${kvType}-${tier}`;
    const settings = { ...smallSettings(kvType), ...storageOf(tier, label) };
    const s = stories.model.createSession({ attention: 'infllm', infllm: settings });
    await s.eval(PROMPT, { logits: 'none' });
    const dir = join(stories.dir, `mem-${label}`);
    const saved = await s.save(dir);
    expect(saved).toMatchObject({ dir, nTokens: PROMPT.length, nBlocks: s.stats().nBlocks });
    // The disk tier's sealed segments are linked into the saved folder, never copied; their CRCs
    // are combined from the blocks' CRCs, written files' CRCs computed while writing: both must
    // equal the CRC of the bytes on disk.
    expect(saved.linkedFiles).toBe(tier === 'disk' ? 5 : 0);
    const crcs = manifestChecks(dir);
    expect(crcs.actual).toEqual(crcs.listed);

    const before = folderCrcs(dir);
    const o = await stories.model.openSession(dir, { attention: 'infllm', infllm: settings });
    expect(o.nPast()).toBe(PROMPT.length);
    expect(o.stats()).toMatchObject({ nTokens: PROMPT.length, nBlocks: saved.nBlocks });
    expect(o.stats().bytesMapped).toBeGreaterThan(0); // opened blocks are read through mappings

    // Copy-on-write forks before anything continues: references from the original session,
    // forks of the opened one, driven interleaved.
    const [r1, r2, f1, f2] = [s.fork(), s.fork(), o.fork(), o.fork()];
    const want1 = await continueSession(r1, 5, STEPS, GREEDY);
    const want2 = await continueSession(r2, 9, STEPS, SAMPLED);
    const got1 = continueSession(f1, 5, STEPS, GREEDY);
    const got2 = continueSession(f2, 9, STEPS, SAMPLED);
    const [g1, g2] = await Promise.all([got1, got2]);
    expect(sameContinuation(g1, want1)).toBe(true);
    expect(sameContinuation(g2, want2)).toBe(true);
    expect(g1.ids).not.toEqual(g2.ids); // the two forks diverged
    // The opened session itself is untouched by its forks' progress.
    expect(sameContinuation(await continueSession(o, 5, STEPS, GREEDY), want1)).toBe(true);
    expect(sameContinuation(await continueSession(s, 5, STEPS, GREEDY), want1)).toBe(true);
    // Nothing was written through to the saved files (forks share the mapped blocks read-only).
    expect(folderCrcs(dir)).toEqual(before);
    for (const x of [s, o, r1, r2, f1, f2]) x.dispose();
  });

  it('re-saving an opened memory over its own folder: linked segments, atomic replacement, the old session keeps working', async () => {
    const settings = smallSettings('f16');
    const s = stories.model.createSession({ attention: 'infllm', infllm: settings });
    await s.eval(PROMPT, { logits: 'none' });
    const dir = join(stories.dir, 'mem-resave');
    await s.save(dir);
    const o = await stories.model.openSession(dir, { attention: 'infllm', infllm: settings });
    const f = o.fork();
    const ref = s.fork();
    await continueSession(f, 5, STEPS, GREEDY);
    await continueSession(ref, 5, STEPS, GREEDY);
    const again = await f.save(dir); // replaces the folder o maps its blocks from
    expect(again.linkedFiles).toBe(5); // the opened segments, linked; the new blocks written
    expect(again.files).toBe(5 * 2 + 5); // per layer: old segment + new blocks; 4 small files + manifest
    expect(readdirSync(stories.dir).filter((n) => n.startsWith('.mem-resave'))).toEqual([]); // no temp folder left
    const o2 = await stories.model.openSession(dir, { attention: 'infllm', infllm: settings });
    expect(o2.nPast()).toBe(PROMPT.length + STEPS);
    const want = await continueSession(ref, 7, 20, GREEDY);
    expect(sameContinuation(await continueSession(o2, 7, 20, GREEDY), want)).toBe(true);
    expect(sameContinuation(await continueSession(f, 7, 20, GREEDY), want)).toBe(true);
    // o still reads the blocks of the replaced folder through its mappings.
    const base = await continueSession(s.fork(), 3, 20, GREEDY);
    expect(sameContinuation(await continueSession(o, 3, 20, GREEDY), base)).toBe(true);
    for (const x of [s, o, o2, f, ref]) x.dispose();
  });

  it('manifest: sizes and CRC-32C of every file match an independent computation; verify() checks every block', async () => {
    const settings = smallSettings('q8');
    const s = stories.model.createSession({ attention: 'infllm', infllm: settings });
    await s.eval(PROMPT.subarray(0, 500), { logits: 'none' });
    const dir = join(stories.dir, 'mem-crc');
    const saved = await s.save(dir);
    const text = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const m = JSON.parse(text) as {
      format: string; formatVersion: number; settingsHash: string; nTokens: number; nBlocks: number; blockRecordBytes: number;
      model: { fingerprint: string }; settings: Record<string, unknown>; manifestCrc32c: string;
      files: { name: string; bytes: number; crc32c: string; nBlocks?: number }[];
    };
    expect(m).toMatchObject({ format: 'infllm-reader-memory', formatVersion: 2, nTokens: 500, nBlocks: saved.nBlocks });
    expect(m.model.fingerprint).toBe(stories.model.info().fingerprint);
    expect(stories.model.info().memoryFormat).toBe(m.formatVersion); // the version the library keys memory folders by
    expect(m.settingsHash).toBe(saved.settingsHash);
    const { cache: _cache, ...content } = settings;
    expect(m.settings).toEqual(content);
    // record: K and V int8 [4 kv heads, 16 tokens, 8 dims], K and V scales f32 [4, 16], padded to 64
    expect(m.blockRecordBytes).toBe(Math.ceil((2 * 4 * 16 * 8 + 2 * 4 * 16 * 4) / 64) * 64);
    let total = 0;
    for (const f of m.files) {
      const bytes = readFileSync(join(dir, f.name));
      expect([f.name, bytes.length]).toEqual([f.name, f.bytes]);
      expect([f.name, hex8(crc32c(bytes))]).toEqual([f.name, f.crc32c]);
      if (f.nBlocks !== undefined) expect(f.bytes).toBe(f.nBlocks * m.blockRecordBytes);
      // representative rows of q8 blocks are f16: [5 layers, nBlocks, 8 heads * 8 dims] * 2 bytes
      if (f.name === 'reprs.bin') expect(f.bytes).toBe(5 * saved.nBlocks * 64 * 2);
      total += statSync(join(dir, f.name)).size;
    }
    total += statSync(join(dir, 'manifest.json')).size;
    expect(saved.bytes).toBe(total);
    // The manifest's own checksum: its bytes with the 8 digits zeroed.
    const p = text.lastIndexOf('"manifestCrc32c": "') + 19;
    expect(hex8(crc32c(Buffer.from(text.slice(0, p) + '00000000' + text.slice(p + 8))))).toBe(m.manifestCrc32c);
    const o = await stories.model.openSession(dir, { attention: 'infllm', infllm: settings });
    expect(await o.verify()).toMatchObject({ blocks: 5 * saved.nBlocks, bytes: 5 * saved.nBlocks * m.blockRecordBytes });
    expect((await o.verify()).blocks).toBe(0); // everything verified once
    const full = await stories.model.openSession(dir, { attention: 'infllm', infllm: settings, verify: 'full' });
    expect((await full.verify()).blocks).toBe(0);
    for (const x of [s, o, full]) x.dispose();
  });
});

describe('through the engine API (Model / Session)', () => {
  it('save after generate, openSession, and both continue with the same tokens; disk tier via storageDir', async () => {
    const { Model } = await import('../../engine/model/Model.js');
    const m = await Model.load(sharedPath('models', 'stories260K.gguf'), { threads: 1 });
    const scratch = join(stories.dir, 'engine-scratch');
    mkdirSync(scratch);
    const { cache: _c, ...infllm } = smallSettings('q8');
    const s = m.createSession({ attention: 'infllm', infllm, storageDir: scratch });
    const first = await s.generate(Array.from(PROMPT.subarray(0, 700)), { maxTokens: 8 });
    expect(s.stats().pending).toHaveLength(1);
    const dir = join(stories.dir, 'engine-mem');
    const info = await s.save(dir);
    expect(info).toMatchObject({ dir, nTokens: 700 + first.ids.length });
    expect(s.stats().bytesMapped).toBeGreaterThan(0);
    const o = await m.openSession(dir, { infllm });
    expect(o.stats().nPast).toBe(info.nTokens);
    const [a, b] = await Promise.all([s.generate([13], { maxTokens: 30 }), o.generate([13], { maxTokens: 30 })]);
    expect(b.ids).toEqual(a.ids);
    await expect(m.openSession(dir, { infllm: { ...infllm, kvType: 'f16' } })).rejects.toMatchObject({ code: 'MEMORY_MISMATCH' });
    await m.dispose();
    expect(readdirSync(scratch)).toEqual([]); // scratch segments go with their sessions
  });
});
