import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../../../engine/ingest/extract.js';
import { locate } from '../../../engine/ingest/sourceMap.js';
import type { ExtractedDocument, ExtractProgress } from '../../../engine/ingest/types.js';
import { TEXT_FILES, writeCodebase } from '../../helpers/ingest/codebaseFixture.js';
import { makeTempDir, removeTempDirs } from '../../helpers/ingest/tempDir.js';

/** The files that must be read, in output order (sorted by '/'-joined path, code unit order). */
const EXPECTED_FILES = [
  '.gitignore',
  'ext/lib.ts', // folder symlink to outside the root, followed once
  'keep.log', // *.log negated by !keep.log
  'link.ts', // file symlink, followed
  'src-x/file.ts', // '-' sorts before '/'
  'src/B.ts', // capitals sort first
  'src/a.ts',
  'src/crlf.py',
  'src/empty.ts',
  'sub/.gitignore',
  'sub/app2.log', // re-included by the deeper .gitignore
  'sub/logs', // a file: the dir-only pattern logs/ does not apply
  'sub/root-only.txt', // /root-only.txt is anchored to the root
  'x.tmp', // *.tmp only applies under sub/
];

const contentOf = (path: string) =>
  path === 'ext/lib.ts' ? 'outside\n' : path === 'link.ts' ? TEXT_FILES['src/a.ts'] : TEXT_FILES[path].replace(/\r\n/g, '\n');

/** The documented output format, written independently: header line, content, newline-terminated, blank line between files. */
const expectedText = () =>
  EXPECTED_FILES.map((p) => {
    const c = contentOf(p);
    return `=== ${p} ===\n${c}${c.length > 0 && !c.endsWith('\n') ? '\n' : ''}`;
  }).join('\n');

let root = '';
const limits = { maxFileBytes: 10_000 };

beforeAll(() => {
  const base = makeTempDir('codebase');
  root = join(base, 'project');
  mkdirSync(root);
  mkdirSync(join(base, 'outside'));
  writeCodebase(root, join(base, 'outside'));
});
afterAll(removeTempDirs);

describe('codebase extraction', () => {
  let doc: ExtractedDocument;
  const events: ExtractProgress[] = [];
  beforeAll(async () => {
    doc = await extract(root, { limits, onProgress: (p) => events.push(p) });
  });

  it('reads exactly the files git would track (nested .gitignore) minus default excludes, in path order', () => {
    expect(doc.format).toBe('codebase');
    expect(doc.title).toBe('project');
    expect(doc.sourceMap.segments.map((s) => (s.kind === 'file' ? s.path : '?'))).toEqual(EXPECTED_FILES.filter((p) => p !== 'src/empty.ts'));
    expect(doc.text).toBe(expectedText());
  });

  it('counts skipped entries by reason and names them in warnings', () => {
    expect(doc.stats).toMatchObject({
      files: EXPECTED_FILES.length,
      emptyFiles: 1,
      skippedIgnored: 4, // app.log, logs/, root-only.txt, sub/x.tmp
      skippedExcluded: 4, // deep/build/, dist/, node_modules/, package-lock.json
      skippedBinary: 2,
      skippedTooLarge: 1,
      skippedMinified: 2, // src/app.min.js by name, src/bundle.js by content
      skippedUnreadable: 1,
      skippedSymlinkLoop: 1,
      skippedSymlinkDuplicate: 2, // alias/ (points into the root), ext2/ (same target as ext/)
      skippedSpecial: 0,
    });
    expect(doc.warnings).toEqual([
      'skipped 2 binary files: image.png, src/data.bin',
      'skipped 1 file over the size limit: big.txt (20,001 bytes)',
      'skipped 2 minified bundles or source maps: src/app.min.js, src/bundle.js',
      'skipped 1 unreadable entry: broken.txt (ENOENT)',
      'skipped 1 symlink loop: sub/loop/',
      'skipped 2 symlinked folders already included: alias/, ext2/',
    ]);
  });

  it('maps offsets to file:line', () => {
    const at = (s: string) => doc.text.indexOf(s);
    const a = at('=== src/a.ts ===\n') + '=== src/a.ts ===\n'.length;
    expect(locate(doc.sourceMap, doc.text, a + 6, a + 11)).toEqual({ kind: 'file', label: 'src/a.ts:2', path: 'src/a.ts', lineStart: 2, pathEnd: 'src/a.ts', lineEnd: 2 });
    expect(locate(doc.sourceMap, doc.text, a + 6, a + 18).label).toBe('src/a.ts:2\u20133');
    expect(locate(doc.sourceMap, doc.text, at('=== src/a.ts'), at('=== src/a.ts') + 5).kind).toBe('none'); // header line
    expect(locate(doc.sourceMap, doc.text, at('export const B'), a + 8).label).toBe('src/B.ts:1 \u2013 src/a.ts:2');
    const py = at('two\n');
    expect(locate(doc.sourceMap, doc.text, py, py + 3).label).toBe('src/crlf.py:2'); // CRLF normalised, lines intact
  });

  it('reports monotonic progress: scan counts, then extract done/total', () => {
    const scan = events.filter((e) => e.phase === 'scan');
    const ex = events.filter((e) => e.phase === 'extract');
    expect(events.indexOf(ex[0])).toBe(scan.length); // every scan event comes first
    for (const list of [scan, ex]) for (let i = 1; i < list.length; i++) expect(list[i].done).toBeGreaterThan(list[i - 1].done);
    // the extract phase also opens the 4 files skipped by content or size (2 binary, big.txt, src/bundle.js)
    const candidates = EXPECTED_FILES.length + 4;
    expect(ex[0]).toMatchObject({ done: 0, total: candidates });
    expect(ex[ex.length - 1]).toMatchObject({ done: candidates, total: candidates });
  });

  it('is deterministic', async () => {
    const again = await extract(root, { limits });
    expect(again.text).toBe(doc.text);
    expect(again.sourceMap).toEqual(doc.sourceMap);
  });

  it('refuses a folder over the total size limit or the character limit (no truncation)', async () => {
    await expect(extract(root, { limits: { ...limits, maxTotalBytes: 100 } })).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringMatching(/^folder is too large: more than [\d,]+ bytes of text files by file \d+ of 18, over the limit of 100 bytes; raise limits\.maxTotalBytes/),
    });
    await expect(extract(root, { limits: { ...limits, maxChars: 150 } })).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringMatching(/^document is too long: more than [\d,]+ characters by file \d+ of 18, over the limit of 150 characters; raise limits\.maxChars/),
    });
  });

  it('reports a folder without text files as NO_TEXT', async () => {
    const empty = join(makeTempDir('codebase-empty'), 'nothing');
    mkdirSync(join(empty, 'node_modules'), { recursive: true });
    await expect(extract(empty)).rejects.toMatchObject({ code: 'NO_TEXT', message: 'no text files in nothing (1 entry skipped)' });
  });
});
