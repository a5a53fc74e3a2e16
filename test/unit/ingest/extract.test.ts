import { mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { extract } from '../../../engine/ingest/extract.js';
import { locate } from '../../../engine/ingest/sourceMap.js';
import { makeEpub } from '../../helpers/ingest/epubFixtures.js';
import { textPdf } from '../../helpers/ingest/pdfFixtures.js';
import { makeTempDir, removeTempDirs } from '../../helpers/ingest/tempDir.js';

afterAll(removeTempDirs);
const dir = makeTempDir('extract');

function save(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const pdfPages = (n: number) => textPdf(Array.from({ length: n }, (_, i) => [{ text: `Body of page ${i + 1} with words.`, x: 50, y: 300 }]));
const epubBytes = () =>
  makeEpub({
    chapters: Array.from({ length: 5 }, (_, i) => ({ id: `c${i}`, href: `c${i}.xhtml`, body: `<p>Chapter ${i} text.</p>` })),
    spine: ['c0', 'c1', 'c2', 'c3', 'c4'],
    toc: 'none',
  });

describe('extract: format detection', () => {
  it('detects by content, not by extension', async () => {
    expect((await extract(save('really-a-pdf.txt', await pdfPages(1)))).format).toBe('pdf');
    expect((await extract(save('book.zip', await epubBytes()))).format).toBe('epub');
    expect((await extract(save('notes.md', '# Title\ntext'))).format).toBe('markdown');
    expect((await extract(save('data.csv', 'a,b\n1,2\n'))).format).toBe('text');
  });

  it('reports a missing path as FILE_NOT_FOUND', async () => {
    await expect(extract(join(dir, 'nope.pdf'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('validates limits', async () => {
    await expect(extract(save('l.txt', 'x'), { limits: { maxChars: 0 } })).rejects.toThrow(/limits\.maxChars must be a positive integer/);
  });
});

describe('extract: the too-long policy (refuse with TOO_LARGE, never truncate)', () => {
  it('accepts text at the limit and refuses one character more, saying size, limit and how to raise it', async () => {
    const path = save('thousand.txt', 'x'.repeat(1000));
    expect((await extract(path, { limits: { maxChars: 1000 } })).text.length).toBe(1000);
    await expect(extract(path, { limits: { maxChars: 999 } })).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: 'document is too long: 1,000 characters, over the limit of 999 characters; raise limits.maxChars (CLI: --max-chars) to extract it',
    });
  });

  it('refuses a huge text file from its size, without reading it', async () => {
    const path = join(dir, 'huge.txt');
    writeFileSync(path, 'start of a huge text\n');
    truncateSync(path, 70 * 1024 * 1024); // sparse: the rest reads as NUL bytes, which would be refused as binary if read
    await expect(extract(path, { limits: { maxChars: 1000 } })).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringMatching(/^document is too long: at least 24,466,773 characters \(73,400,320 bytes\), over the limit of 1,000/),
    });
  });

  it('refuses long PDF, EPUB and HTML documents', async () => {
    const pdf = save('long.pdf', await pdfPages(3)); // 3 × 26 characters + 2 blank-line separators = 82
    await expect(extract(pdf, { limits: { maxChars: 81 } })).rejects.toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/^document is too long: 82 characters in 3 pages, over the limit of 81/) });
    const epub = save('long.epub', await epubBytes());
    await expect(extract(epub, { limits: { maxChars: 40 } })).rejects.toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/by chapter \d of 5/) });
    const html = save('long.html', `<html><body>${'<p>para</p>'.repeat(10)}</body></html>`);
    await expect(extract(html, { limits: { maxChars: 48 } })).rejects.toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/^document is too long: 49 characters/) });
  });
});

describe('extract: cancellation', () => {
  const savedTmp = process.env.TMPDIR;
  afterEach(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  });

  /** Runs `run` with TMPDIR pointing at a fresh folder and returns what is left in it afterwards. */
  async function leftoverTempFiles(run: () => Promise<unknown>): Promise<string[]> {
    const tmp = makeTempDir('cancel-tmp');
    process.env.TMPDIR = tmp;
    await run();
    return readdirSync(tmp);
  }

  it('rejects at once when the signal is already aborted', async () => {
    const reason = new Error('stop');
    await expect(extract(save('pre.txt', 'text'), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('stops a PDF mid-way with the signal reason and leaves no temp files', async () => {
    const path = save('cancel.pdf', await pdfPages(6));
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const seen: number[] = [];
    const left = await leftoverTempFiles(() =>
      expect(
        extract(path, {
          signal: controller.signal,
          onProgress: (p) => {
            seen.push(p.done);
            if (p.done === 2) controller.abort(reason);
          },
        }),
      ).rejects.toBe(reason),
    );
    expect(seen).toEqual([0, 1, 2]);
    expect(left).toEqual([]);
  });

  it('stops an EPUB mid-way with the signal reason', async () => {
    const controller = new AbortController();
    const run = extract(save('cancel.epub', await epubBytes()), { signal: controller.signal, onProgress: (p) => p.done === 1 && controller.abort('enough') });
    await expect(run).rejects.toBe('enough');
  });

  it('stops a codebase mid-way with the signal reason, leaving no open files and no temp files', async () => {
    const root = join(dir, 'cancel-code');
    mkdirSync(root);
    for (let i = 0; i < 300; i++) writeFileSync(join(root, `f${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const controller = new AbortController();
    const reason = new Error('cancel walk');
    const left = await leftoverTempFiles(() =>
      expect(extract(root, { signal: controller.signal, onProgress: (p) => p.phase === 'extract' && p.done >= 10 && controller.abort(reason) })).rejects.toBe(reason),
    );
    expect(left).toEqual([]);
    expect(fds()).toBe(before);
  });
});

describe('extract: locate works on every format', () => {
  it('gives a location for a word of each format', async () => {
    const cases: [string, Uint8Array | string, string, string][] = [
      ['loc.pdf', await pdfPages(2), 'page 2', 'p. 2'],
      ['loc.epub', await epubBytes(), 'Chapter 3', 'ch. 4 \u201cc3.xhtml\u201d'],
      ['loc.txt', 'a\nb\nneedle\n', 'needle', 'line 3'],
      ['loc.md', '# T\n\nneedle', 'needle', 'line 3'],
      ['loc.html', '<html><body>\n<p>a</p>\n<p>needle</p></body></html>', 'needle', 'line 3'],
    ];
    for (const [name, bytes, needle, label] of cases) {
      const doc = await extract(save(name, bytes));
      const at = doc.text.indexOf(needle);
      expect(at, name).toBeGreaterThanOrEqual(0);
      expect(locate(doc.sourceMap, doc.text, at, at + needle.length).label, name).toBe(label);
    }
  });
});
