import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extract } from '../../../engine/ingest/extract.js';
import { locate } from '../../../engine/ingest/sourceMap.js';
import { makeTempDir, removeTempDirs } from '../../helpers/ingest/tempDir.js';

afterAll(removeTempDirs);
const dir = makeTempDir('html');

function save(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// line numbers of the source are given in the comments at the right
const PAGE = [
  '<!DOCTYPE html>', // 1
  '<html><head><title>Page &amp; Title</title>', // 2
  '<style>body { color: red }</style><script>document.write("<p>no</p>")</script></head>', // 3
  '<body>', // 4
  '<nav><a href="/">Home</a> <a href="/about">About</a></nav>', // 5
  '<h1>Main   heading</h1>', // 6
  '<p>A paragraph with <b>bold</b>', // 7
  '   and <i>italic</i> text.</p>', // 8
  '<ul>', // 9
  '  <li>apples</li>', // 10
  '  <li>pears</li>', // 11
  '</ul>', // 12
  '<ol><li>first</li><li>second</li></ol>', // 13
  '<h2>Sub&shy;heading</h2>', // 14
  '<pre>', // 15
  'code  line one', // 16
  '  indented two</pre>', // 17
  '<table><tr><td>a</td><td>b</td></tr></table>', // 18
  'tail text<br>after break', // 19
  '</body></html>', // 20
].join('\r\n');

describe('HTML extraction', () => {
  it('turns headings, paragraphs, lists, pre and tables into lines; drops head, script, style, nav', async () => {
    const doc = await extract(save('page.html', PAGE));
    expect(doc.format).toBe('html');
    expect(doc.title).toBe('Page & Title');
    expect(doc.text).toBe(
      [
        'Main heading',
        'A paragraph with bold and italic text.',
        '- apples',
        '- pears',
        '1. first',
        '2. second',
        'Subheading',
        'code  line one',
        '  indented two',
        'a | b',
        'tail text',
        'after break',
      ].join('\n'),
    );
  });

  it('maps each line to the source line of its element', async () => {
    const doc = await extract(save('page2.html', PAGE));
    const lineOf = (needle: string) => locate(doc.sourceMap, doc.text, doc.text.indexOf(needle), doc.text.indexOf(needle) + needle.length).label;
    expect(lineOf('Main heading')).toBe('line 6');
    expect(lineOf('A paragraph')).toBe('line 7');
    expect(lineOf('pears')).toBe('line 11');
    expect(lineOf('second')).toBe('line 13');
    expect(lineOf('indented two')).toBe('line 17');
    expect(lineOf('after break')).toBe('line 19');
    const all = locate(doc.sourceMap, doc.text, doc.text.indexOf('apples'), doc.text.indexOf('pears') + 5);
    expect(all).toEqual({ kind: 'lines', label: 'lines 10\u201311', lineStart: 10, lineEnd: 11 });
  });

  it('detects HTML by content whatever the extension, and titles from the first heading', async () => {
    const doc = await extract(save('page.txt', '<!-- c -->\n<html><body><h2>Only heading</h2><p>x</p></body></html>'));
    expect(doc).toMatchObject({ format: 'html', title: 'Only heading', text: 'Only heading\nx' });
  });

  it('reports a page without body text as NO_TEXT', async () => {
    await expect(extract(save('empty.html', '<html><head><title>t</title><script>x()</script></head><body> </body></html>'))).rejects.toMatchObject({ code: 'NO_TEXT' });
  });
});
