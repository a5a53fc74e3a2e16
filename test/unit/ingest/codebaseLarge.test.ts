// LARGE TEST (about 15–30 s on 2 busy cores): a generated codebase of 100,000 tiny files. It
// checks that extraction completes with bounded memory and steady, monotonic progress.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../../../engine/ingest/extract.js';
import { locate } from '../../../engine/ingest/sourceMap.js';
import type { ExtractedDocument, ExtractProgress } from '../../../engine/ingest/types.js';
import { makeTempDir, removeTempDirs } from '../../helpers/ingest/tempDir.js';

const DIRS = 100;
const FILES_PER_DIR = 1000;
const TOTAL = DIRS * FILES_PER_DIR;
/**
 * Bound on heapUsed + arrayBuffers during the run. The text is ~3.6 M one-byte characters and the
 * path list ~100,000 short strings (~20 MB together); a correct run peaks near 100 MB here. Keeping
 * one buffer per file (even 8 KiB samples) would need ≥ 800 MB and fail this.
 */
const MEMORY_BOUND = 300 * 1024 * 1024;

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const fileName = (d: number, f: number) => `d${pad(d, 3)}/f${pad(f, 4)}.txt`;

describe('[large] codebase of 100,000 files', () => {
  let root = '';
  let doc: ExtractedDocument;
  const events: ExtractProgress[] = [];
  let peakMemory = 0;

  beforeAll(async () => {
    root = makeTempDir('large', { ram: true });
    for (let d = 0; d < DIRS; d++) {
      mkdirSync(join(root, `d${pad(d, 3)}`));
      for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(join(root, fileName(d, f)), `file ${d}/${f}\n`);
    }
    doc = await extract(root, {
      onProgress: (p) => {
        events.push(p);
        const m = process.memoryUsage();
        peakMemory = Math.max(peakMemory, m.heapUsed + m.arrayBuffers);
      },
    });
  }, 300_000);
  afterAll(removeTempDirs, 120_000);

  it('extracts every file in path order with its header', () => {
    expect(doc.stats.files).toBe(TOTAL);
    const paths = doc.sourceMap.segments.map((s) => (s.kind === 'file' ? s.path : ''));
    expect(paths.length).toBe(TOTAL);
    expect(paths[0]).toBe(fileName(0, 0));
    expect(paths[TOTAL - 1]).toBe(fileName(DIRS - 1, FILES_PER_DIR - 1));
    for (let i = 1; i < TOTAL; i++) if (!(paths[i - 1] < paths[i])) throw new Error(`out of order at ${i}: ${paths[i - 1]} ≥ ${paths[i]}`);
    expect(doc.text.startsWith('=== d000/f0000.txt ===\nfile 0/0\n\n=== d000/f0001.txt ===\nfile 0/1\n')).toBe(true);
  });

  it('locates a line in any of the files', () => {
    const at = doc.text.indexOf('file 57/421\n');
    expect(locate(doc.sourceMap, doc.text, at, at + 5).label).toBe('d057/f0421.txt:1');
  });

  it('keeps memory bounded', () => {
    expect(peakMemory).toBeLessThan(MEMORY_BOUND);
  });

  it('reports steady monotonic progress: scan counts, then extract done/total', () => {
    const scan = events.filter((e) => e.phase === 'scan');
    const ex = events.filter((e) => e.phase === 'extract');
    expect(events.slice(0, scan.length).every((e) => e.phase === 'scan')).toBe(true);
    for (const list of [scan, ex]) for (let i = 1; i < list.length; i++) expect(list[i].done).toBeGreaterThan(list[i - 1].done);
    // scan: one event per 500 entries (100,100 entries: 100 folders + 100,000 files), plus first and last
    expect(scan.length).toBeGreaterThan(100);
    expect(scan[scan.length - 1].done).toBe(TOTAL + DIRS);
    // extract: about every 1/200 of the total, plus first and last
    expect(ex.length).toBeGreaterThanOrEqual(200);
    expect(ex.length).toBeLessThanOrEqual(202);
    expect(ex[ex.length - 1]).toMatchObject({ done: TOTAL, total: TOTAL });
  });
});
