import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extract } from '../../../engine/ingest/extract.js';
import { locate } from '../../../engine/ingest/sourceMap.js';
import type { ExtractProgress } from '../../../engine/ingest/types.js';
import { encryptedPdf, scannedPdf, textPdf, type DrawnText } from '../../helpers/ingest/pdfFixtures.js';
import { makeTempDir, removeTempDirs } from '../../helpers/ingest/tempDir.js';

afterAll(removeTempDirs);
const dir = makeTempDir('pdf');

function save(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Body lines of each page (baseline y from 500 down in 15 pt steps), plus extra drawn texts. */
function page(n: number, total: number, body: string[], extra: DrawnText[] = []): DrawnText[] {
  return [
    { text: 'A Study of Things', x: 120, y: 570, size: 10 }, // running header, same on every page
    ...body.map((text, i) => ({ text, x: 50, y: 500 - 15 * i })),
    ...extra,
    { text: `Page ${n} of ${total}`, x: 170, y: 30, size: 10 }, // running footer with the page number
  ];
}

const book = () =>
  textPdf(
    [
      page(1, 4, ['Chapter One', 'The quick brown fox jumps over the exam-', 'ple fence and runs.'], [
        { text: 'Left part', x: 50, y: 440 },
        { text: 'right part', x: 200, y: 440 },
      ]),
      page(2, 4, ['Second page text.', 'It has two lines.']),
      page(3, 4, ['Third page: numbers 12 and 2024.']),
      page(4, 4, ['Last page ends with well-', 'Known words.']),
    ],
    'A Study of Things',
  );

const EXPECTED_PAGES = [
  'Chapter One\nThe quick brown fox jumps over the example\nfence and runs.\nLeft part right part',
  'Second page text.\nIt has two lines.',
  'Third page: numbers 12 and 2024.',
  'Last page ends with well-\nKnown words.', // capital after the hyphen: not a split word
];

describe('PDF extraction', () => {
  it('rebuilds lines, joins hyphenated words, drops running headers/footers, maps pages', async () => {
    const events: ExtractProgress[] = [];
    const doc = await extract(save('book.pdf', await book()), { onProgress: (p) => events.push(p) });
    expect(doc.format).toBe('pdf');
    expect(doc.title).toBe('A Study of Things');
    expect(doc.text).toBe(EXPECTED_PAGES.join('\n\n'));
    expect(doc.sourceMap.segments.map((s) => (s.kind === 'page' ? [s.page, doc.text.slice(s.start, s.end)] : null))).toEqual(
      EXPECTED_PAGES.map((t, i) => [i + 1, t]),
    );
    expect(doc.stats).toMatchObject({ pages: 4, pagesWithText: 4, headerLinesDropped: 4, footerLinesDropped: 4, hyphenationsJoined: 1 });
    expect(doc.warnings).toEqual([]);
    expect(events.map((e) => e.done)).toEqual([0, 1, 2, 3, 4]);
    expect(events.every((e) => e.phase === 'extract' && e.total === 4)).toBe(true);
  });

  it('locates ranges on pages', async () => {
    const doc = await extract(save('book2.pdf', await book()));
    const at = (needle: string) => doc.text.indexOf(needle);
    expect(locate(doc.sourceMap, doc.text, at('Third'), at('Third') + 5)).toEqual({ kind: 'page', label: 'p. 3', pageStart: 3, pageEnd: 3 });
    const span = locate(doc.sourceMap, doc.text, at('right part'), at('It has'));
    expect(span.label).toBe('pp. 1\u20132');
    // the blank line between pages maps to no page
    expect(locate(doc.sourceMap, doc.text, at('Second') - 1, at('Second')).kind).toBe('none');
  });

  it('keeps every line of a short document (running lines need 3 pages)', async () => {
    const bytes = await textPdf([page(1, 2, ['Only body one.']), page(2, 2, ['Only body two.'])]);
    const doc = await extract(save('short.pdf', bytes));
    expect(doc.text).toBe('A Study of Things\nOnly body one.\nPage 1 of 2\n\nA Study of Things\nOnly body two.\nPage 2 of 2');
    expect(doc.title).toBe('short'); // no Title metadata: file name
  });

  it('refuses a password-protected PDF with ENCRYPTED', async () => {
    const bytes = encryptedPdf('secret', 'Hidden words');
    // the fixture is a valid encrypted PDF: pdf.js opens it with the right password
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const task = pdfjs.getDocument({ data: bytes.slice(), password: 'secret', verbosity: 0 });
    const opened = await task.promise;
    const content = await (await opened.getPage(1)).getTextContent();
    expect(content.items.map((i) => ('str' in i ? i.str : '')).join('')).toBe('Hidden words');
    await task.destroy();
    await expect(extract(save('locked.pdf', bytes))).rejects.toMatchObject({ code: 'ENCRYPTED', message: expect.stringMatching(/password-protected PDF/) });
  });

  it('reports a PDF without a text layer as NO_TEXT with its page count', async () => {
    await expect(extract(save('scan.pdf', await scannedPdf(3)))).rejects.toMatchObject({
      code: 'NO_TEXT',
      message: 'no extractable text in 3 pages (scanned?)',
    });
  });

  it('warns about pages without text in a partly scanned PDF', async () => {
    const doc = await extract(save('mixed.pdf', await textPdf([[{ text: 'Some text.', x: 50, y: 300 }], []])));
    expect(doc.text).toBe('Some text.');
    expect(doc.warnings).toEqual(['1 of 2 pages has no text (scanned images or blank)']);
  });

  it('reports a corrupt PDF as EXTRACT_ERROR', async () => {
    const garbage = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('this is not a pdf body '.repeat(20))]);
    await expect(extract(save('corrupt.pdf', garbage))).rejects.toMatchObject({ code: 'EXTRACT_ERROR', message: expect.stringMatching(/corrupt\.pdf is not a readable PDF/) });
  });
});
