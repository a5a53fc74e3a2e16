/**
 * LibraryService robustness: damaged entries are listed as broken without affecting the others,
 * newer schemas are refused per entry, leftovers are cleaned on open, and a crash at every single
 * fs step of add / rename / remove / move-update / repair leaves a library that reopens with no
 * broken entry and either the old or the new state.
 */
import { chmod, mkdir, readdir, readFile, rename as fsRename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LibraryService } from '../../engine/library/LibraryService.js';
import type { DocumentEntry } from '../../engine/library/types.js';
import { crashingFs, fakeExtractor, makeTempDir, removeTempDir, SimulatedCrash, type FakeExtractor } from '../helpers/libraryFakes.js';

let dir: string;
let root: string;
let fake: FakeExtractor;

beforeEach(async () => {
  dir = await makeTempDir();
  root = join(dir, 'lib');
  fake = fakeExtractor();
});
afterEach(async () => {
  await removeTempDir(dir);
});

async function file(name: string, content: string): Promise<string> {
  const p = join(dir, 'src', name);
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, content);
  return p;
}

const openLib = (warnings?: string[]): Promise<LibraryService> =>
  LibraryService.open({ root, extract: fake.extract, onWarning: (m) => warnings?.push(m) });

/** Three entries; returns them in add order. */
async function threeEntries(lib: LibraryService): Promise<DocumentEntry[]> {
  return [await lib.add(await file('a.txt', 'alpha')), await lib.add(await file('b.txt', 'beta')), await lib.add(await file('c.txt', 'gamma'))];
}

describe('damaged entries', () => {
  const damages: [string, (docDir: string) => Promise<void>, RegExp][] = [
    ['truncated JSON', async (d) => writeFile(join(d, 'document.json'), '{"schema": 1, "id": "'), /not valid JSON/],
    ['JSON array', async (d) => writeFile(join(d, 'document.json'), '[]'), /not an object/],
    ['empty file', async (d) => writeFile(join(d, 'document.json'), ''), /not valid JSON/],
    ['missing document.json', async (d) => rm(join(d, 'document.json')), /document.json is missing/],
    ['missing text.txt', async (d) => rm(join(d, 'text.txt')), /text.txt is missing/],
    ['id of another folder', (d) => editRecord(d, (r) => ({ ...r, id: 'ffffffffffffffff' })), /names id/],
    ['no title', (d) => editRecord(d, (r) => ({ ...r, title: undefined })), /no title/],
    ['bad format', (d) => editRecord(d, (r) => ({ ...r, format: 'docx' })), /unknown format/],
    ['hash not matching id', (d) => editRecord(d, (r) => ({ ...r, contentHash: 'sha256:' + '0'.repeat(64) })), /content hash/],
    ['text file outside the folder', (d) => editRecord(d, (r) => ({ ...r, textFile: '../../x' })), /invalid textFile/],
    ['schema missing', (d) => editRecord(d, (r) => ({ ...r, schema: undefined })), /schema/],
  ];

  it.each(damages)('%s: listed as broken with the reason, the others still work', async (_name, damage, reason) => {
    const lib = await openLib();
    const [a, b, c] = await threeEntries(lib);
    await damage(join(root, 'documents', b.id));
    const again = await openLib();
    const listing = await again.list();
    expect(listing.documents.map((d) => d.id).sort()).toEqual([a.id, c.id].sort());
    expect(listing.broken).toEqual([{ id: b.id, dir: join(root, 'documents', b.id), code: 'LIBRARY_ERROR', reason: expect.stringMatching(reason) }]);
    await expect(again.get(b.id)).rejects.toMatchObject({ code: 'LIBRARY_ERROR', message: expect.stringMatching(reason) });
    await expect(again.readText(b.id)).rejects.toMatchObject({ code: 'LIBRARY_ERROR' });
    expect(await again.readText(a.id)).toBe('alpha');
    expect(await again.readText(c.id)).toBe('gamma');
    // A damaged entry can be removed, and adding its content again repairs it.
    await again.remove(b.id);
    expect((await again.list()).broken).toEqual([]);
    expect((await again.add(join(dir, 'src', 'b.txt'))).id).toBe(b.id);
    expect(await again.readText(b.id)).toBe('beta');
  });

  it('re-adding the content of a damaged entry replaces it', async () => {
    const lib = await openLib();
    const [, b] = await threeEntries(lib);
    await writeFile(join(root, 'documents', b.id, 'document.json'), 'garbage');
    const repaired = await lib.add(join(dir, 'src', 'b.txt'));
    expect(repaired.id).toBe(b.id);
    expect((await lib.list()).broken).toEqual([]);
    expect(await lib.readText(b.id)).toBe('beta');
  });

  it('a newer schema is refused for that entry only and never overwritten', async () => {
    const lib = await openLib();
    const [a, b] = await threeEntries(lib);
    await editRecord(join(root, 'documents', b.id), (r) => ({ ...r, schema: 2, newField: true }));
    const before = await readFile(join(root, 'documents', b.id, 'document.json'), 'utf8');
    const listing = await lib.list();
    expect(listing.documents).toHaveLength(2);
    expect(listing.broken[0].reason).toMatch(/newer version of InfLLM Reader \(document schema 2; this version reads up to 1\)/);
    await expect(lib.add(join(dir, 'src', 'b.txt'))).rejects.toMatchObject({ code: 'LIBRARY_ERROR', message: expect.stringMatching(/newer version/) });
    await expect(lib.rename(b.id, 'x')).rejects.toMatchObject({ code: 'LIBRARY_ERROR' });
    expect(await readFile(join(root, 'documents', b.id, 'document.json'), 'utf8')).toBe(before);
    expect((await lib.get(a.id)).title).toBe('a');
  });

  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')('an unreadable document.json is broken with IO_ERROR', async () => {
    const lib = await openLib();
    const [, b] = await threeEntries(lib);
    await chmod(join(root, 'documents', b.id, 'document.json'), 0o000);
    const listing = await lib.list();
    expect(listing.documents).toHaveLength(2);
    expect(listing.broken).toMatchObject([{ id: b.id, code: 'IO_ERROR' }]);
    await chmod(join(root, 'documents', b.id, 'document.json'), 0o644);
  });
});

describe('cleanup on open', () => {
  it('empties .tmp and deletes temp files in entry folders; ignores foreign folders with a warning', async () => {
    const lib = await openLib();
    const [a] = await threeEntries(lib);
    await mkdir(join(root, '.tmp', 'add-abc', 'memories'), { recursive: true });
    await writeFile(join(root, '.tmp', 'add-abc', 'document.json'), '{}');
    await mkdir(join(root, '.tmp', 'trash-0123456789ab'));
    await writeFile(join(root, '.tmp', 'stray.bin'), 'x');
    const docDir = join(root, 'documents', a.id);
    await writeFile(join(docDir, '.document.json.0123456789ab.tmp'), '{"half');
    await writeFile(join(docDir, 'keep.tmp'), 'not one of ours');
    await mkdir(join(root, 'documents', 'notes'));
    const warnings: string[] = [];
    const again = await openLib(warnings);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
    expect((await readdir(docDir)).sort()).toEqual(['document.json', 'keep.tmp', 'sourcemap.json', 'text.txt']);
    expect(warnings).toEqual([expect.stringMatching(/notes: not a library entry/)]);
    const listing = await again.list();
    expect(listing.documents).toHaveLength(3);
    expect(listing.broken).toEqual([]);
  });
});

// --- crash at every fs step -------------------------------------------------------------------

/** Reopens with the real fs and checks that nothing is left over and nothing but `mayBeBroken` is broken. */
async function reopenClean(mayBeBroken: string[] = []): Promise<LibraryService> {
  const lib = await openLib();
  const listing = await lib.list();
  for (const b of listing.broken) expect(mayBeBroken).toContain(b.id);
  expect(await readdir(join(root, '.tmp'))).toEqual([]);
  for (const d of listing.documents) {
    expect((await readdir(join(root, 'documents', d.id))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }
  return lib;
}

/**
 * Runs `op` on a library whose fs crashes at step 1, 2, 3, … until one run completes without
 * crashing; after each crash reopens with the real fs and runs `check(lib, failed)`, where
 * `failed` says whether `op` rejected (if it resolved, its effect must have persisted: a crash
 * after that point may only hit best-effort cleanup). Returns the number of steps.
 */
async function crashEverywhere(
  setup: (lib: LibraryService) => Promise<void>,
  op: (lib: LibraryService) => Promise<unknown>,
  check: (lib: LibraryService, failed: boolean) => Promise<void>,
  mayBeBroken: () => string[] = () => [],
): Promise<number> {
  for (let n = 1; n < 100; n++) {
    await rm(root, { recursive: true, force: true });
    await setup(await openLib());
    const fs = crashingFs(n);
    let error: unknown;
    try {
      await op(await LibraryService.open({ root, extract: fake.extract, fs }));
    } catch (err) {
      error = err;
    }
    if (!fs.crashed()) {
      expect(error).toBeUndefined();
      await check(await reopenClean(), false);
      return n - 1;
    }
    // A crash either surfaced as an error (wrapped or not) or hit only cleanup after success.
    if (error !== undefined) expect(error instanceof SimulatedCrash || (error as Error).cause instanceof SimulatedCrash).toBe(true);
    await check(await reopenClean(mayBeBroken()), error !== undefined);
  }
  throw new Error('operation never completed');
}

describe('a crash at any fs step leaves a consistent library', () => {
  it('add of a new document', async () => {
    let p = '';
    const steps = await crashEverywhere(
      async () => {
        p = await file('new.txt', 'brand new text '.repeat(100));
      },
      (lib) => lib.add(p),
      async (lib) => {
        const docs = (await lib.list()).documents;
        // Either the full entry or nothing.
        if (docs.length) expect(await lib.readText(docs[0].id)).toBe('brand new text '.repeat(100));
        expect(docs.length).toBeLessThanOrEqual(1);
      },
    );
    // open (mkdir ×2) + staging (mkdir, mkdtemp) + 3 files + fsync + rename + fsync at least.
    expect(steps).toBeGreaterThanOrEqual(10);
  });

  it('rename', async () => {
    let id = '';
    await crashEverywhere(
      async (lib) => {
        id = (await lib.add(await file('r.txt', 'rename me'))).id;
      },
      (lib) => lib.rename(id, 'Renamed ✓'),
      async (lib, failed) => {
        const title = (await lib.get(id)).title;
        expect(failed ? ['r', 'Renamed ✓'] : ['Renamed ✓']).toContain(title);
        expect(await lib.readText(id)).toBe('rename me');
      },
    );
  });

  it('remove (with memories)', async () => {
    let id = '';
    await crashEverywhere(
      async (lib) => {
        id = (await lib.add(await file('d.txt', 'delete me'))).id;
        await mkdir(lib.memoryDir(id, 'm', 'c'), { recursive: true });
        await writeFile(join(lib.memoryDir(id, 'm', 'c'), 'blocks.bin'), Buffer.alloc(4096));
      },
      (lib) => lib.remove(id),
      async (lib, failed) => {
        const docs = (await lib.list()).documents;
        if (!failed) expect(docs).toEqual([]);
        if (docs.length) {
          expect(await lib.readText(id)).toBe('delete me');
          expect(await lib.listMemories(id)).toMatchObject([{ bytes: 4096 }]);
        }
      },
    );
  });

  it('re-add from a moved path (document.json rewrite)', async () => {
    let moved = '';
    let id = '';
    await crashEverywhere(
      async (lib) => {
        const p = await file('before.txt', 'moving');
        id = (await lib.add(p)).id;
        moved = join(dir, 'src', 'after.txt');
        await fsRename(p, moved);
      },
      (lib) => lib.add(moved),
      async (lib, failed) => {
        const src = (await lib.get(id)).source.path;
        expect(failed ? [join(dir, 'src', 'before.txt'), moved] : [moved]).toContain(src);
      },
    );
  });

  it('re-add that repairs a damaged entry', async () => {
    let p = '';
    let id = '';
    await crashEverywhere(
      async (lib) => {
        p = await file('fix.txt', 'repair me');
        id = (await lib.add(p)).id;
        await writeFile(join(root, 'documents', id, 'document.json'), '{ damaged');
      },
      (lib) => lib.add(p),
      async (lib, failed) => {
        const docs = (await lib.list()).documents;
        if (!failed) expect(docs.map((d) => d.id)).toEqual([id]);
        if (docs.length) expect(await lib.readText(id)).toBe('repair me');
      },
      // Until the repair commits, the entry may still be the damaged one (or gone).
      () => [id],
    );
  });
});

async function editRecord(docDir: string, edit: (r: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const path = join(docDir, 'document.json');
  await writeFile(path, JSON.stringify(edit(JSON.parse(await readFile(path, 'utf8')))));
}
