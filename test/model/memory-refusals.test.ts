/**
 * Saved memories that must be refused, each with its stable code: another model, other settings,
 * an older or newer format version (incl. a real folder of the previous format), a missing folder / file, a truncated file, a flipped byte in
 * each file (at open, or for block data at first use or verify(): MEMORY_CORRUPT, and the session
 * stays usable and disposable), a manifest that is not JSON. Plus refusals of save itself (a full
 * attention session, a folder that is not a memory, a busy session).
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NativeSession } from '../../engine/binding/ModelBinding.js';
import { loadModel } from '../helpers/golden.js';
import { f16ToNumber } from '../helpers/ggmlReference.js';
import { crc32c, editManifest, goldenPrompt, hex8, smallSettings, storiesFixture } from '../helpers/memio.js';
import { buildTinyModel } from '../helpers/tinyModel.js';

const PROMPT = goldenPrompt(5); // P3, 942 tokens
const S = smallSettings('f16');
const OPEN = { attention: 'infllm' as const, infllm: S };

const stories = storiesFixture('memio-refusals');
let saved: string; // a valid memory, copied for each damage
let nBlocks = 0;
let usedBlock = -1; // a block of layer 0 the first continuation step attends to

beforeAll(async () => {
  const s = stories.model.createSession({ attention: 'infllm', infllm: S });
  await s.eval(PROMPT, { logits: 'none' });
  saved = join(stories.dir, 'saved');
  nBlocks = (await s.save(saved)).nBlocks;
  const r = await s.eval(Int32Array.of(5), { logits: 'none', trace: true });
  const t = r.trace!;
  usedBlock = t.selected[t.selOffsets[0]]; // entry 0: layer 0 of this decode step
  expect(t.layer[0]).toBe(0);
  s.dispose();
});

let copies = 0;
function copyOfSaved(): string {
  const dir = join(stories.dir, `copy-${copies++}`);
  cpSync(saved, dir, { recursive: true });
  return dir;
}

const refused = (code: string, message?: RegExp) => expect.objectContaining({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });

describe('open refuses', () => {
  it('a missing folder (FILE_NOT_FOUND) and a folder without manifest (MEMORY_CORRUPT)', async () => {
    await expect(stories.model.openSession(join(stories.dir, 'nope'), OPEN)).rejects.toEqual(refused('FILE_NOT_FOUND'));
    const empty = join(stories.dir, 'empty');
    mkdirSync(empty);
    await expect(stories.model.openSession(empty, OPEN)).rejects.toEqual(refused('MEMORY_CORRUPT', /manifest\.json is missing/));
  });

  it('another model: MEMORY_MISMATCH naming both fingerprints', async () => {
    const tiny = buildTinyModel({ nVocab: 64 });
    const path = join(stories.dir, 'tiny.gguf');
    writeFileSync(path, tiny.bytes);
    const other = await loadModel(path);
    const fp = stories.model.info().fingerprint;
    await expect(other.openSession(saved, OPEN)).rejects.toEqual(
      refused('MEMORY_MISMATCH', new RegExp(`another model \\(fingerprint ${fp}; this model is ${other.info().fingerprint}\\)`)),
    );
    other.dispose();
  });

  it('other settings: MEMORY_MISMATCH listing every differing key; cache and storage are not content', async () => {
    await expect(stories.model.openSession(saved, { attention: 'infllm', infllm: { ...S, nLocal: 128, kvType: 'q8' } })).rejects.toEqual(
      refused('MEMORY_MISMATCH', /other settings: nLocal \(saved 64, requested 128\), kvType \(saved f16, requested q8\)$/),
    );
    await expect(stories.model.openSession(saved, { attention: 'infllm', infllm: { ...S, compat: true } })).rejects.toEqual(
      refused('MEMORY_MISMATCH', /compat \(saved false, requested true\)/),
    );
    const ok = await stories.model.openSession(saved, { attention: 'infllm', infllm: { ...S, cache: 64 } });
    expect(ok.nPast()).toBe(PROMPT.length);
    ok.dispose();
  });

  it.each([[0, 'older'], [1, 'older'], [3, 'newer']])('format version %i: MEMORY_MISMATCH with both versions (%s)', async (version, word) => {
    const dir = copyOfSaved();
    editManifest(dir, (m) => {
      m.formatVersion = version;
    });
    await expect(stories.model.openSession(dir, OPEN)).rejects.toEqual(
      refused('MEMORY_MISMATCH', new RegExp(`format version ${version}; this engine reads version 2 \\(${word}\\)`)),
    );
  });

  it('a memory written by the previous format (version 1: f32 representative rows) is refused as older', async () => {
    // Rebuild the folder as version 1 wrote it: reprs.bin with every (f16) row value as f32, the
    // manifest listing that file's size and CRC-32C, formatVersion 1.
    const dir = copyOfSaved();
    const h = readFileSync(join(dir, 'reprs.bin'));
    const rows = Float32Array.from({ length: h.length / 2 }, (_, i) => f16ToNumber(h.readUInt16LE(2 * i)));
    const v1 = new Uint8Array(rows.buffer);
    writeFileSync(join(dir, 'reprs.bin'), v1);
    const relist = (version: number) =>
      editManifest(dir, (m) => {
        m.formatVersion = version;
        const e = (m.files as { name: string; bytes: number; crc32c: string }[]).find((f) => f.name === 'reprs.bin')!;
        e.bytes = v1.length;
        e.crc32c = hex8(crc32c(v1));
      });
    relist(1);
    await expect(stories.model.openSession(dir, OPEN)).rejects.toEqual(
      refused('MEMORY_MISMATCH', /format version 1; this engine reads version 2 \(older\)/),
    );
    // Stamped with the current version, the same folder fails on the size of reprs.bin: the
    // version check is what gives the user the clear message.
    relist(2);
    await expect(stories.model.openSession(dir, OPEN)).rejects.toEqual(refused('MEMORY_CORRUPT', /reprs\.bin has the wrong size/));
  });

  it('a manifest that is not JSON, or whose own checksum fails: MEMORY_CORRUPT', async () => {
    const a = copyOfSaved();
    writeFileSync(join(a, 'manifest.json'), '{"format": "infllm-reader-memory", ');
    await expect(stories.model.openSession(a, OPEN)).rejects.toEqual(refused('MEMORY_CORRUPT', /not valid JSON/));
    const b = copyOfSaved();
    const text = readFileSync(join(b, 'manifest.json'), 'utf8');
    const edited = text.replace('"nTokens": 942', '"nTokens": 941');
    expect(edited).not.toBe(text);
    writeFileSync(join(b, 'manifest.json'), edited);
    await expect(stories.model.openSession(b, OPEN)).rejects.toEqual(refused('MEMORY_CORRUPT', /fails its checksum/));
  });

  const files = (): string[] => readdirSync(saved).sort();

  it('a missing file (each one): MEMORY_CORRUPT', async () => {
    expect(files().length).toBe(10);
    for (const name of files()) {
      const dir = copyOfSaved();
      rmSync(join(dir, name));
      await expect(stories.model.openSession(dir, OPEN), name).rejects.toEqual(refused('MEMORY_CORRUPT', new RegExp(`${name.replace('.', '\\.')} is missing`)));
    }
  });

  it('a truncated file (each one, by one byte): MEMORY_CORRUPT', async () => {
    for (const name of files()) {
      const dir = copyOfSaved();
      const size = readFileSync(join(dir, name)).length;
      truncateSync(join(dir, name), size - 1);
      const want = name === 'manifest.json' ? /not valid JSON|fails its checksum/ : /truncated/;
      await expect(stories.model.openSession(dir, OPEN), name).rejects.toEqual(refused('MEMORY_CORRUPT', want));
    }
  });

  function flipByte(path: string, at?: number): void {
    const bytes = readFileSync(path);
    const i = at ?? bytes.length >> 1;
    bytes[i] ^= 0x10;
    writeFileSync(path, bytes);
  }

  it('a flipped byte in each small file: MEMORY_CORRUPT at open', async () => {
    for (const name of files().filter((n) => !n.startsWith('blocks-'))) {
      const dir = copyOfSaved();
      flipByte(join(dir, name));
      await expect(stories.model.openSession(dir, OPEN), name).rejects.toEqual(refused('MEMORY_CORRUPT'));
    }
  });

  it('a flipped byte in each block file: MEMORY_CORRUPT from verify(); the session stays usable and disposable', async () => {
    for (const name of files().filter((n) => n.startsWith('blocks-'))) {
      const dir = copyOfSaved();
      flipByte(join(dir, name));
      const s = await stories.model.openSession(dir, OPEN); // block data is checked lazily
      const block = Math.floor(nBlocks / 2);
      await expect(s.verify(), name).rejects.toEqual(refused('MEMORY_CORRUPT', new RegExp(`block ${block} of .*${name} fails its checksum`)));
      expect(s.stats().nTokens).toBe(PROMPT.length);
      const f = s.fork();
      f.dispose();
      s.dispose();
    }
  });

  it('a flipped byte in a block the next step attends to: that eval fails MEMORY_CORRUPT, state unchanged', async () => {
    const dir = copyOfSaved();
    const rec = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).blockRecordBytes as number;
    flipByte(join(dir, 'blocks-L000-00.bin'), usedBlock * rec + 3);
    const s = await stories.model.openSession(dir, OPEN);
    await expect(s.eval(Int32Array.of(5), { logits: 'last' })).rejects.toEqual(refused('MEMORY_CORRUPT', new RegExp(`block ${usedBlock} of`)));
    expect(s.nPast()).toBe(PROMPT.length); // the call was rolled back
    await expect(s.eval(Int32Array.of(5), { logits: 'last' })).rejects.toEqual(refused('MEMORY_CORRUPT'));
    s.dispose();
    // verify: 'full' finds it at open
    await expect(stories.model.openSession(dir, { ...OPEN, verify: 'full' })).rejects.toEqual(refused('MEMORY_CORRUPT', /fails its checksum/));
  });
});

describe('save refuses', () => {
  it('full-attention sessions, folders that are not memories, busy sessions', async () => {
    const full = stories.model.createSession({ attention: 'full' });
    await full.eval(PROMPT.subarray(0, 10), { logits: 'none' });
    await expect(full.save(join(stories.dir, 'full'))).rejects.toEqual(refused('INVALID_ARGUMENT', /InfLLM sessions only/));
    full.dispose();
    const s: NativeSession = stories.model.createSession({ attention: 'infllm', infllm: S });
    await s.eval(PROMPT.subarray(0, 100), { logits: 'none' });
    const notMemory = join(stories.dir, 'documents');
    mkdirSync(notMemory);
    writeFileSync(join(notMemory, 'thesis.txt'), 'precious');
    await expect(s.save(notMemory)).rejects.toEqual(refused('INVALID_ARGUMENT', /not a saved memory/));
    expect(readFileSync(join(notMemory, 'thesis.txt'), 'utf8')).toBe('precious');
    copyFileSync(join(notMemory, 'thesis.txt'), join(stories.dir, 'file'));
    await expect(s.save(join(stories.dir, 'file'))).rejects.toEqual(refused('INVALID_ARGUMENT', /it is a file/));
    const running = s.eval(PROMPT.subarray(100, 400), { logits: 'none' });
    await expect(s.save(join(stories.dir, 'busy'))).rejects.toEqual(refused('BUSY'));
    await running;
    const done = s.save(join(stories.dir, 'busy'));
    expect(() => s.dispose()).toThrow(refused('BUSY'));
    expect((await done).nTokens).toBe(400);
    s.dispose();
  });
});
