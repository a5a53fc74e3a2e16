/**
 * LibraryService: add/list/get/rename/remove, text and source map round trip, dedupe by content
 * (twice, from two paths, concurrently, across two instances), moved sources, memories, unicode,
 * errors and cancellation. Uses a fake extractor and temp folders.
 */
import { mkdir, readdir, readFile, rename as fsRename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/errors.js';
import { extract } from '../../engine/ingest/extract.js';
import { LibraryService } from '../../engine/library/LibraryService.js';
import { fakeExtractor, makeTempDir, removeTempDir, type FakeExtractor } from '../helpers/libraryFakes.js';

let dir: string;
let root: string;
let fake: FakeExtractor;
let clock: number;

async function openLib(): Promise<LibraryService> {
  return LibraryService.open({ root, extract: fake.extract, now: () => clock });
}

async function file(name: string, content: string): Promise<string> {
  const p = join(dir, 'src', name);
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, content);
  return p;
}

function sha256(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

beforeEach(async () => {
  dir = await makeTempDir();
  root = join(dir, 'lib');
  fake = fakeExtractor();
  clock = Date.UTC(2026, 0, 1);
});
afterEach(async () => {
  await removeTempDir(dir);
});

describe('LibraryService basics', () => {
  it('adds a file: entry fields, layout on disk, text and source map round trip', async () => {
    const lib = await openLib();
    const p = await file('alice.txt', 'Down the rabbit hole.\nSecond line.');
    const e = await lib.add(p);
    // Expected hash computed here independently of the library: sha256 of the file bytes.
    const hex = sha256('Down the rabbit hole.\nSecond line.');
    expect(e.contentHash).toBe(`sha256:${hex}`);
    expect(e.id).toBe(hex.slice(0, 16));
    expect(e).toMatchObject({ schema: 1, title: 'alice', format: 'text', warnings: [], stats: { lines: 2 } });
    expect(e.source).toEqual({ path: p, kind: 'file', size: 34, mtimeMs: (await stat(p)).mtimeMs });
    expect(e.addedAt).toBe('2026-01-01T00:00:00.000Z');
    expect((await readdir(join(root, 'documents', e.id))).sort()).toEqual(['document.json', 'sourcemap.json', 'text.txt']);
    expect(JSON.parse(await readFile(join(root, 'documents', e.id, 'document.json'), 'utf8'))).toEqual(e);
    expect(await lib.readText(e.id)).toBe('Down the rabbit hole.\nSecond line.');
    expect(await lib.readSourceMap(e.id)).toEqual({ segments: [{ kind: 'lines', start: 0, end: 34, firstLine: 1 }] });
    expect(await lib.get(e.id)).toEqual(e);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('adds a folder: hash of format + NUL + text, size = UTF-8 bytes of the text', async () => {
    const lib = await openLib();
    await file('proj/b.ts', 'export const b = 2;\n');
    await file('proj/a.ts', 'export const a = "é";\n');
    const e = await lib.add(join(dir, 'src', 'proj'));
    const text = 'export const a = "é";\nexport const b = 2;\n';
    expect(e.contentHash).toBe(`sha256:${sha256('codebase\0' + text)}`);
    expect(e.source).toMatchObject({ kind: 'folder', size: Buffer.byteLength(text) });
    expect(e).toMatchObject({ format: 'codebase', title: 'proj', warnings: ['fake'], stats: { files: 2 } });
    expect(await lib.readText(e.id)).toBe(text);
  });

  it('lists sorted by addedAt (newest first) or title (numeric, case-insensitive), renames and removes', async () => {
    const lib = await openLib();
    const ids: string[] = [];
    for (const [name, body] of [['chapter 9', 'x'], ['Appendix', 'y'], ['Chapter 10', 'z']]) {
      ids.push((await lib.add(await file(`${name}.txt`, body))).id);
      clock += 1000;
    }
    expect((await lib.list()).documents.map((d) => d.title)).toEqual(['Chapter 10', 'Appendix', 'chapter 9']);
    // Numeric collation: "9" < "10"; case-insensitive: "chapter" = "Chapter".
    expect((await lib.list({ sortBy: 'title' })).documents.map((d) => d.title)).toEqual(['Appendix', 'chapter 9', 'Chapter 10']);
    const renamed = await lib.rename(ids[2], '  Zebra  ');
    expect(renamed.title).toBe('Zebra');
    expect(renamed.updatedAt).toBe(new Date(clock).toISOString());
    expect(renamed.addedAt).not.toBe(renamed.updatedAt);
    expect((await lib.list({ sortBy: 'title' })).documents.map((d) => d.title)).toEqual(['Appendix', 'chapter 9', 'Zebra']);
    expect((await lib.list()).documents.map((d) => d.title)).toEqual(['Zebra', 'Appendix', 'chapter 9']);
    await lib.remove(ids[0]);
    expect((await lib.list()).documents.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    await expect(lib.get(ids[0])).rejects.toMatchObject({ code: 'LIBRARY_ERROR', message: expect.stringContaining('no document') });
    // A new instance on the same root sees the same state.
    expect((await (await openLib()).list()).documents.map((d) => d.title)).toEqual(['Zebra', 'Appendix']);
  });

  it('handles unicode titles and paths (NFC titles)', async () => {
    const lib = await openLib();
    const p = await file('Війна і мир 📚/戦争と平和 — Ünïcødé.txt', 'Ünïcødé text 🕊️ ok');
    const e = await lib.add(p);
    expect(e.title).toBe('戦争と平和 — Ünïcødé');
    expect(e.source.path).toBe(p);
    expect(await lib.readText(e.id)).toBe('Ünïcødé text 🕊️ ok');
    const r = await lib.rename(e.id, 'Cafe\u0301 🕊️ 漢字');
    expect(r.title).toBe('Caf\u00e9 🕊️ 漢字');
    expect((await (await openLib()).get(e.id)).title).toBe('Caf\u00e9 🕊️ 漢字');
  });
});

describe('LibraryService with the real extractor (engine/ingest)', () => {
  it('adds a Markdown file and a folder, keeping their text and source maps', async () => {
    const lib = await LibraryService.open({ root, extract });
    const md = await lib.add(await file('notes.md', '# Title\n\nSome text.\n'));
    expect(md.format).toBe('markdown');
    expect(await lib.readText(md.id)).toContain('Some text.');
    expect((await lib.readSourceMap(md.id)).segments.length).toBeGreaterThan(0);
    await file('repo/a.ts', 'export const a = 1;\n');
    await file('repo/b.ts', 'export const b = 2;\n');
    const repo = await lib.add(join(dir, 'src', 'repo'));
    expect(repo).toMatchObject({ format: 'codebase', source: { kind: 'folder' } });
    const text = await lib.readText(repo.id);
    expect(text).toContain('export const a = 1;');
    expect(text).toContain('export const b = 2;');
    expect((await lib.readSourceMap(repo.id)).segments.filter((s) => s.kind === 'file').map((s) => (s as { path: string }).path).sort()).toEqual(['a.ts', 'b.ts']);
  });
});

describe('LibraryService dedupe', () => {
  it('same file twice: one entry, no second extraction', async () => {
    const lib = await openLib();
    const p = await file('a.txt', 'same');
    const a = await lib.add(p);
    const b = await lib.add(p);
    expect(b).toEqual(a);
    expect(fake.calls).toEqual([p]);
    expect((await lib.list()).documents).toHaveLength(1);
  });

  it('same content from another path: the existing entry, source kept while the first copy is still there', async () => {
    const lib = await openLib();
    const p1 = await file('one.txt', 'identical bytes');
    const p2 = await file('two.txt', 'identical bytes');
    const a = await lib.add(p1);
    const b = await lib.add(p2);
    expect(b.id).toBe(a.id);
    expect(b.source.path).toBe(p1);
    expect(fake.calls).toEqual([p1]);
  });

  it('a moved file re-added updates the recorded source path', async () => {
    const lib = await openLib();
    const p1 = await file('old.txt', 'moving content');
    const a = await lib.add(p1);
    const p2 = join(dir, 'src', 'moved.txt');
    await fsRename(p1, p2);
    clock += 5000;
    const b = await lib.add(p2);
    expect(b.id).toBe(a.id);
    expect(b.source.path).toBe(p2);
    expect(b.updatedAt).toBe(new Date(clock).toISOString());
    expect(b.addedAt).toBe(a.addedAt);
    expect((await lib.get(a.id)).source.path).toBe(p2);
  });

  it('concurrent adds of the same content from two paths give one entry and one extraction', async () => {
    const lib = await openLib();
    const p1 = await file('c1.txt', 'concurrent');
    const p2 = await file('c2.txt', 'concurrent');
    const results = await Promise.all([lib.add(p1), lib.add(p2), lib.add(p1), lib.add(p2)]);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(fake.calls).toHaveLength(1);
    expect((await lib.list()).documents).toHaveLength(1);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('concurrent adds from two library instances on one root give one entry', async () => {
    const [lib1, lib2] = [await openLib(), await openLib()];
    const p = await file('shared.txt', 'two instances');
    const [a, b] = await Promise.all([lib1.add(p), lib2.add(p)]);
    expect(b).toEqual(a);
    expect(await readdir(join(root, 'documents'))).toEqual([a.id]);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('concurrent adds of two equal folders give one entry', async () => {
    const lib = await openLib();
    await file('f1/x.md', '# same');
    await file('f2/x.md', '# same');
    const [a, b] = await Promise.all([lib.add(join(dir, 'src', 'f1')), lib.add(join(dir, 'src', 'f2'))]);
    expect(b.id).toBe(a.id);
    expect((await lib.list()).documents).toHaveLength(1);
  });
});

describe('LibraryService memories', () => {
  it('memoryDir is a pure path helper; listMemories finds memory folders; remove deletes them', async () => {
    const lib = await openLib();
    const e = await lib.add(await file('m.txt', 'memory owner'));
    const m = lib.memoryDir(e.id, 'abc123', 'cfg_9');
    expect(m).toBe(join(root, 'documents', e.id, 'memories', 'abc123-cfg_9'));
    expect(await lib.listMemories(e.id)).toEqual([]);
    expect(await readdir(join(root, 'documents', e.id))).not.toContain('memories');
    await mkdir(join(m, 'blocks'), { recursive: true });
    await writeFile(join(m, 'manifest.json'), '{}\n');
    await writeFile(join(m, 'blocks', 'k.bin'), Buffer.alloc(1000));
    await mkdir(join(root, 'documents', e.id, 'memories', '.partial'), { recursive: true });
    const mems = await lib.listMemories(e.id);
    expect(mems).toEqual([{ modelHash: 'abc123', configHash: 'cfg_9', dir: m, bytes: 1003, mtimeMs: expect.any(Number) }]);
    await lib.remove(e.id);
    expect(await readdir(join(root, 'documents'))).toEqual([]);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('memoryDir refuses path tricks', async () => {
    const lib = await openLib();
    const e = await lib.add(await file('m.txt', 'x'));
    expect(() => lib.memoryDir(e.id, '../x', 'c')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => lib.memoryDir(e.id, 'a-b', 'c')).toThrow(/modelHash/);
    expect(() => lib.memoryDir('../../etc', 'a', 'c')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('LibraryService errors and cancellation', () => {
  it('gives typed errors for missing paths, unknown or malformed ids and bad titles', async () => {
    const lib = await openLib();
    await expect(lib.add(join(dir, 'nope.pdf'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining('nope.pdf') });
    const unknown = '0123456789abcdef';
    const calls = [
      () => lib.get(unknown),
      () => lib.rename(unknown, 't'),
      () => lib.remove(unknown),
      () => lib.readText(unknown),
      () => lib.readSourceMap(unknown),
      () => lib.listMemories(unknown),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({ code: 'LIBRARY_ERROR', message: expect.stringContaining('0123456789abcdef') });
    }
    await expect(lib.get('../evil')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const e = await lib.add(await file('t.txt', 'title checks'));
    for (const bad of ['', '   ', 'two\nlines', 'x'.repeat(1001), 42 as unknown as string]) {
      await expect(lib.rename(e.id, bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    expect((await lib.get(e.id)).title).toBe('t');
  });

  it('passes extractor errors through and leaves nothing behind', async () => {
    const lib = await LibraryService.open({
      root,
      extract: async () => {
        throw new EngineError('UNSUPPORTED_FORMAT', 'cannot read .xyz files');
      },
    });
    await expect(lib.add(await file('a.xyz', 'data'))).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    expect((await lib.list()).documents).toEqual([]);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('refuses an invalid extractor result with EXTRACT_ERROR', async () => {
    const lib = await LibraryService.open({ root, extract: async () => ({ text: 5 }) as never });
    await expect(lib.add(await file('a.txt', 'data'))).rejects.toMatchObject({ code: 'EXTRACT_ERROR' });
  });

  it('abort rejects with the signal reason and stores nothing', async () => {
    const reason = new Error('user cancelled');
    const controller = new AbortController();
    const lib = await LibraryService.open({
      root,
      extract: async (path, opts) => {
        const doc = await fake.extract(path, opts);
        controller.abort(reason);
        return doc;
      },
    });
    const seen: string[] = [];
    await expect(lib.add(await file('a.txt', 'data'), { signal: controller.signal, onProgress: (p) => seen.push(p.phase) })).rejects.toBe(reason);
    expect(seen).toContain('hash');
    expect((await lib.list()).documents).toEqual([]);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
    await expect(lib.add(await file('b.txt', 'x'), { signal: controller.signal })).rejects.toBe(reason);
  });
});
