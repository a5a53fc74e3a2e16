import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extract } from '../../../engine/ingest/extract.js';
import { locate } from '../../../engine/ingest/sourceMap.js';
import { makeTempDir, removeTempDirs } from '../../helpers/ingest/tempDir.js';

afterAll(removeTempDirs);
const dir = makeTempDir('text');

function save(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const utf16be = (s: string) => {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return le;
};

describe('text extraction', () => {
  it('reads UTF-8 with and without a BOM', async () => {
    const plain = await extract(save('plain.txt', Buffer.from('h\u00e9llo\nw\u00f6rld \u{1f600}\n', 'utf8')));
    expect(plain).toMatchObject({ format: 'text', title: 'plain', text: 'h\u00e9llo\nw\u00f6rld \u{1f600}\n', warnings: [] });
    const bom = await extract(save('bom.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('caf\u00e9', 'utf8')])));
    expect(bom.text).toBe('caf\u00e9');
  });

  it('reads UTF-16 LE and BE with a BOM', async () => {
    const s = 'line \u00e9\u4e2d\nsecond';
    const le = await extract(save('le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')])));
    const be = await extract(save('be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(s)])));
    expect(le.text).toBe(s);
    expect(be.text).toBe(s);
    expect(le.stats.lines).toBe(2);
  });

  it('falls back to Latin-1 (Windows-1252) for invalid UTF-8 and says so', async () => {
    // 0xe9 = é, 0xbd = ½ in ISO-8859-1; 0x93/0x94 are curly quotes in Windows-1252
    const doc = await extract(save('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xbd, 0x20, 0x93, 0x71, 0x94])));
    expect(doc.text).toBe('caf\u00e9 \u00bd \u201cq\u201d');
    expect(doc.warnings).toEqual(['the file is not valid UTF-8; it was read as Latin-1 (Windows-1252)']);
    const french = 'Le th\u00e9 \u00e0 la cr\u00e8me br\u00fbl\u00e9e, d\u00e9j\u00e0 servi \u00e0 l\u2019h\u00f4tel.\n'.repeat(40);
    const long = await extract(save('french.txt', Buffer.from(french.replace(/\u2019/g, "'"), 'latin1')));
    expect(long.text).toBe(french.replace(/\u2019/g, "'"));
    expect(long.warnings).toHaveLength(1);
  });

  it('normalises CRLF and lone CR, and maps offsets to the right lines', async () => {
    const doc = await extract(save('crlf.txt', 'first\r\nsecond\r\nthird line\rfourth\r\n'));
    expect(doc.text).toBe('first\nsecond\nthird line\nfourth\n');
    const at = doc.text.indexOf('third');
    expect(locate(doc.sourceMap, doc.text, at, at + 5)).toEqual({ kind: 'lines', label: 'line 3', lineStart: 3, lineEnd: 3 });
    expect(locate(doc.sourceMap, doc.text, doc.text.indexOf('second'), doc.text.indexOf('fourth') + 6).label).toBe('lines 2\u20134');
    // a range ending with a line's newline stays on that line
    expect(locate(doc.sourceMap, doc.text, 0, 6).label).toBe('line 1');
  });

  it('reports progress once before and once after', async () => {
    const events: unknown[] = [];
    await extract(save('progress.txt', 'abc'), { onProgress: (p) => events.push(p) });
    expect(events).toEqual([
      { phase: 'extract', done: 0, total: 1, current: 'progress.txt' },
      { phase: 'extract', done: 1, total: 1, current: 'progress.txt' },
    ]);
  });

  it('takes a Markdown title from its first level-1 heading', async () => {
    const doc = await extract(save('notes.md', 'intro\n## Sub\n# The Title #\ntext\n'));
    expect(doc).toMatchObject({ format: 'markdown', title: 'The Title' });
  });

  it('rejects binary content with UNSUPPORTED_FORMAT', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    await expect(extract(save('image.txt', png))).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringMatching(/binary file/) });
    const controls = Buffer.alloc(100, 0x01);
    await expect(extract(save('controls.txt', controls))).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
  });

  it('reports empty and whitespace-only files as NO_TEXT', async () => {
    await expect(extract(save('empty.txt', ''))).rejects.toMatchObject({ code: 'NO_TEXT', message: 'empty.txt is empty' });
    await expect(extract(save('blank.txt', ' \n\t\r\n'))).rejects.toMatchObject({ code: 'NO_TEXT', message: 'blank.txt contains only whitespace' });
  });
});
