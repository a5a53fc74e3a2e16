/**
 * engine/lifecycle/atomicWrite.ts: replace-or-keep semantics of file writes under a crash at every
 * step, staging + commit of folders (refusing an existing target), atomic folder removal and the
 * cleanup helpers.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cleanTempFiles,
  cleanTempRoot,
  commitDir,
  createStagingDir,
  isAtomicTempName,
  removeDirAtomic,
  writeFileAtomic,
  writeJsonAtomic,
} from '../../engine/lifecycle/atomicWrite.js';
import { crashingFs, makeTempDir, removeTempDir } from '../helpers/libraryFakes.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('infllm-atomic-');
});
afterEach(async () => {
  await removeTempDir(dir);
});

describe('writeFileAtomic', () => {
  it('writes and replaces; JSON gets 2-space indent and a final newline', async () => {
    const p = join(dir, 'a.json');
    await writeJsonAtomic(p, { x: 1 });
    expect(await readFile(p, 'utf8')).toBe('{\n  "x": 1\n}\n');
    await writeFileAtomic(p, new Uint8Array([104, 105]));
    expect(await readFile(p, 'utf8')).toBe('hi');
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('a crash at any step leaves the old content or the new one, never a mix, plus only recognisable temp files', async () => {
    const p = join(dir, 'doc.json');
    const oldText = 'OLD'.repeat(1000);
    const newText = 'NEW'.repeat(1000);
    let n = 1;
    for (; ; n++) {
      await writeFile(p, oldText);
      const fs = crashingFs(n);
      const result = await writeFileAtomic(p, newText, { fs }).then(() => 'ok', (e: Error) => e);
      const content = await readFile(p, 'utf8');
      if (!fs.crashed()) {
        expect(result).toBe('ok');
        expect(content).toBe(newText);
        break;
      }
      expect(result).toMatchObject({ code: 'IO_ERROR' });
      expect([oldText, newText]).toContain(content);
      for (const name of await readdir(dir)) if (name !== 'doc.json') expect(isAtomicTempName(name)).toBe(true);
      expect(await cleanTempFiles(dir)).toBeLessThanOrEqual(1);
      expect(await readdir(dir)).toEqual(['doc.json']);
    }
    expect(n - 1).toBe(3); // write+fsync, rename, fsync of the folder
  });

  it('reports a missing folder as FILE_NOT_FOUND', async () => {
    await expect(writeFileAtomic(join(dir, 'no', 'x.txt'), 'x')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('folders', () => {
  it('stages and commits a folder; refuses to commit over an existing one', async () => {
    const tmp = join(dir, '.tmp');
    const s1 = await createStagingDir(tmp);
    await writeFile(join(s1, 'f'), '1');
    expect(await commitDir(s1, join(dir, 'entry'))).toBe(true);
    expect(await readFile(join(dir, 'entry', 'f'), 'utf8')).toBe('1');
    const s2 = await createStagingDir(tmp, 'add-');
    expect(s2).toMatch(/[/\\]\.tmp[/\\]add-/);
    await writeFile(join(s2, 'f'), '2');
    expect(await commitDir(s2, join(dir, 'entry'))).toBe(false);
    expect(await readFile(join(dir, 'entry', 'f'), 'utf8')).toBe('1');
    expect(await readFile(join(s2, 'f'), 'utf8')).toBe('2');
  });

  it('removeDirAtomic moves the folder away in one step and deletes it', async () => {
    const target = join(dir, 'victim');
    await mkdir(join(target, 'memories', 'm-c'), { recursive: true });
    await writeFile(join(target, 'memories', 'm-c', 'k.bin'), 'k');
    expect(await removeDirAtomic(target, join(dir, '.tmp'))).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['.tmp']);
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
    expect(await removeDirAtomic(target, join(dir, '.tmp'))).toBe(false);
  });

  it('removeDirAtomic: a crash after the rename leaves the trash for cleanTempRoot', async () => {
    const target = join(dir, 'victim');
    await mkdir(target);
    await writeFile(join(target, 'x'), 'x');
    // Steps: mkdir(.tmp)=1, rename=2, rm=3 → crash at 3: removal still reported done.
    expect(await removeDirAtomic(target, join(dir, '.tmp'), { fs: crashingFs(3) })).toBe(true);
    expect((await readdir(join(dir, '.tmp')))[0]).toMatch(/^trash-[0-9a-f]{12}$/);
    expect(await cleanTempRoot(join(dir, '.tmp'))).toEqual({ removed: 1, failed: [] });
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
  });

  it('isAtomicTempName matches only our temp names', () => {
    expect(isAtomicTempName('.document.json.0123456789ab.tmp')).toBe(true);
    expect(isAtomicTempName('document.json')).toBe(false);
    expect(isAtomicTempName('keep.tmp')).toBe(false);
    expect(isAtomicTempName('.x.0123456789AB.tmp')).toBe(false);
  });
});
