import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, describe, expect, it } from 'vitest';
import { extract } from '../../../engine/ingest/extract.js';
import { locate } from '../../../engine/ingest/sourceMap.js';
import type { SourceSegment } from '../../../engine/ingest/types.js';
import { makeEpub, type EpubChapter, type EpubSpec } from '../../helpers/ingest/epubFixtures.js';
import { makeTempDir, removeTempDirs } from '../../helpers/ingest/tempDir.js';

afterAll(removeTempDirs);
const dir = makeTempDir('epub');
let counter = 0;

async function extractEpubSpec(spec: EpubSpec) {
  return extract(await saveEpub(spec));
}

async function saveEpub(spec: EpubSpec): Promise<string> {
  const path = join(dir, `book${counter++}.epub`);
  writeFileSync(path, await makeEpub(spec));
  return path;
}

// Manifest order a, b, c; reading (spine) order c, a, b.
const chapters: EpubChapter[] = [
  { id: 'a', href: 'text/one.xhtml', body: '<h1>Heading One</h1>\n<p>First &amp; foremost.</p>', tocTitle: 'The Beginning' },
  { id: 'b', href: 'text/two.xhtml', body: '<h2>Heading Two</h2>\n<p>Caf&eacute; &#8217;quoted&#8217;&nbsp;end.</p><script>alert(1)</script><style>p{}</style>' },
  { id: 'c', href: 'text/chapter three.xhtml', body: '<p>Prologue text.</p>', tocTitle: 'Prologue' },
];
const spine = ['c', 'a', 'b'];

const chapterSegments = (segs: SourceSegment[]) =>
  segs.map((s) => (s.kind === 'chapter' ? { index: s.index, title: s.title, href: s.href } : s));

describe('EPUB extraction', () => {
  it('reads chapters in spine order with nav titles, first heading as fallback, entities decoded', async () => {
    const doc = await extractEpubSpec({ title: 'My Book', chapters, spine, toc: 'nav' });
    expect(doc.format).toBe('epub');
    expect(doc.title).toBe('My Book');
    expect(doc.text).toBe('Prologue text.\n\nHeading One\nFirst & foremost.\n\nHeading Two\nCaf\u00e9 \u2019quoted\u2019 end.');
    expect(chapterSegments(doc.sourceMap.segments)).toEqual([
      { index: 0, title: 'Prologue', href: 'OEBPS/text/chapter three.xhtml' },
      { index: 1, title: 'The Beginning', href: 'OEBPS/text/one.xhtml' },
      { index: 2, title: 'Heading Two', href: 'OEBPS/text/two.xhtml' }, // not in the toc: first heading
    ]);
    expect(doc.stats).toMatchObject({ chapters: 3, chaptersWithText: 3, missingItems: 0 });
    expect(doc.warnings).toEqual([]);
  });

  it('falls back to the NCX table of contents', async () => {
    const doc = await extractEpubSpec({ chapters, spine, toc: 'ncx' });
    expect(chapterSegments(doc.sourceMap.segments).map((s) => ('title' in s ? s.title : ''))).toEqual(['Prologue', 'The Beginning', 'Heading Two']);
    expect(doc.title).toBe(`book${counter - 1}`); // no dc:title: file name
  });

  it('without a table of contents uses the first heading, else the file name', async () => {
    const doc = await extractEpubSpec({ chapters, spine, toc: 'none' });
    expect(chapterSegments(doc.sourceMap.segments).map((s) => ('title' in s ? s.title : ''))).toEqual(['chapter three.xhtml', 'Heading One', 'Heading Two']);
  });

  it('locates chapters with their title', async () => {
    const doc = await extractEpubSpec({ chapters, spine, toc: 'nav' });
    const at = doc.text.indexOf('First');
    expect(locate(doc.sourceMap, doc.text, at, at + 5)).toEqual({
      kind: 'chapter',
      label: 'ch. 2 \u201cThe Beginning\u201d',
      indexStart: 1,
      indexEnd: 1,
      title: 'The Beginning',
      href: 'OEBPS/text/one.xhtml',
    });
    expect(locate(doc.sourceMap, doc.text, 0, doc.text.length).label).toBe('ch. 1\u20133');
  });

  it('skips a missing spine item with a warning naming it', async () => {
    const doc = await extractEpubSpec({ chapters, spine, toc: 'nav', omit: ['text/one.xhtml'] });
    expect(doc.text).toBe('Prologue text.\n\nHeading Two\nCaf\u00e9 \u2019quoted\u2019 end.');
    expect(doc.warnings).toEqual(['skipped 1 spine item missing from the archive: OEBPS/text/one.xhtml']);
    expect(doc.stats.missingItems).toBe(1);
    expect(chapterSegments(doc.sourceMap.segments).map((s) => ('index' in s ? s.index : -1))).toEqual([0, 2]);
  });

  it('fails with EXTRACT_ERROR naming the items when every spine item is missing', async () => {
    const omit = chapters.map((c) => c.href);
    await expect(extractEpubSpec({ chapters, spine, toc: 'nav', omit })).rejects.toMatchObject({
      code: 'EXTRACT_ERROR',
      message: expect.stringContaining('OEBPS/text/chapter three.xhtml, OEBPS/text/one.xhtml, OEBPS/text/two.xhtml'),
    });
  });

  it('rejects a corrupt zip, a zip that is not an EPUB, and an EPUB without container.xml', async () => {
    const good = await makeEpub({ chapters, spine, toc: 'nav' });
    const truncated = join(dir, 'truncated.epub');
    writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
    await expect(extract(truncated)).rejects.toMatchObject({ code: 'EXTRACT_ERROR', message: expect.stringMatching(/corrupt or truncated zip/) });

    const zip = new JSZip();
    zip.file('readme.txt', 'hello');
    const plainZip = join(dir, 'plain.zip');
    writeFileSync(plainZip, await zip.generateAsync({ type: 'uint8array' }));
    await expect(extract(plainZip)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringMatching(/not an EPUB \(it has no mimetype entry\)/) });

    const docx = await extractEpubSpec({ chapters, spine, toc: 'nav', mimetype: 'application/vnd.openxmlformats' }).catch((e: unknown) => e);
    expect(docx).toMatchObject({ code: 'UNSUPPORTED_FORMAT' });

    await expect(extractEpubSpec({ chapters, spine, toc: 'nav', noContainer: true })).rejects.toMatchObject({
      code: 'EXTRACT_ERROR',
      message: expect.stringMatching(/META-INF\/container\.xml is missing/),
    });
  });
});
