/**
 * A real process death during add(): a child process adding a document is SIGKILLed at each fs
 * step in turn (mid-write for file writes); the library reopened afterwards has no broken entry,
 * an empty .tmp, and either the complete document or none. The child runs the TypeScript sources
 * through jiti (installed with vite).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryService } from '../../engine/library/LibraryService.js';
import { fakeExtractor, makeTempDir, removeTempDir } from '../helpers/libraryFakes.js';
import { childScript, runTsChild, type ChildRun } from '../helpers/tsChild.js';

const child = childScript('libraryCrashChild.ts');
const runChild = (root: string, source: string, killAt: number): Promise<ChildRun> =>
  runTsChild(child, [root, source, String(killAt)], 60_000);

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('infllm-kill-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('library survives SIGKILL during add', () => {
  it('at every fs step', async () => {
    const text = 'A long line of a book that is being added to the library.\n'.repeat(20_000); // ~1.2 MB
    const source = join(dir, 'book.txt');
    await writeFile(source, text);
    const full = await runChild(join(dir, 'count'), source, 0);
    expect(full.signal).toBeNull();
    const { steps } = JSON.parse(full.stdout) as { steps: number };
    expect(steps).toBeGreaterThanOrEqual(10);
    const outcomes = new Set<number>();
    for (let k = 1; k <= steps; k++) {
      const root = join(dir, `kill-${k}`);
      await mkdir(root);
      expect((await runChild(root, source, k)).signal).toBe('SIGKILL');
      const lib = await LibraryService.open({ root, extract: fakeExtractor().extract });
      const listing = await lib.list();
      expect(listing.broken).toEqual([]);
      expect(await readdir(join(root, '.tmp'))).toEqual([]);
      expect(listing.documents.length).toBeLessThanOrEqual(1);
      for (const d of listing.documents) expect(await lib.readText(d.id)).toBe(text);
      outcomes.add(listing.documents.length);
    }
    // Kills before the commit rename leave nothing, kills after it the whole entry: both were hit.
    expect([...outcomes].sort()).toEqual([0, 1]);
  });
});
