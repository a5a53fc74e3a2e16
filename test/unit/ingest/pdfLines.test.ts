import { describe, expect, it } from 'vitest';
import { dropRunningLines, joinHyphenated, linesFromItems, runningKey, type PdfTextItem } from '../../../engine/ingest/extractors/pdfLines.js';

/** A text item at baseline (x, y) of font size `size`, `width` = 0.5 × size per character. */
function item(str: string, x: number, y: number, opts: { size?: number; eol?: boolean } = {}): PdfTextItem {
  const size = opts.size ?? 10;
  return { str, transform: [size, 0, 0, size, x, y], width: str.length * size * 0.5, height: size, hasEOL: opts.eol ?? false };
}

describe('linesFromItems', () => {
  it('starts a new line on a baseline move or an end-of-line flag', () => {
    const lines = linesFromItems([item('one', 0, 100), item('two', 0, 88), item('three', 0, 88, { eol: true }), item('four', 100, 88)]);
    // 'two' and 'three' share a baseline and touch (no gap): no space; the EOL flag breaks before 'four'
    expect(lines).toEqual(['one', 'twothree', 'four']);
  });

  it('inserts one space where items are apart, none where text already has one', () => {
    // 'a' ends at x = 5; gap 10 > 0.2 × 10 → space. 'b ' ends with a space: none added before 'c'
    expect(linesFromItems([item('a', 0, 0), item('b ', 15, 0), item('c', 40, 0)])).toEqual(['a b c']);
  });

  it('keeps a raised superscript on its line (baseline moves by less than half the font size)', () => {
    expect(linesFromItems([item('E = mc', 0, 0), item('2', 30, 4, { size: 6 }), item('here', 40, 0)])).toEqual(['E = mc2 here']);
  });

  it('skips empty items but honours their end-of-line flag', () => {
    expect(linesFromItems([item('x', 0, 0), item('', 5, 0, { eol: true }), item('y', 5, 0)])).toEqual(['x', 'y']);
  });
});

describe('dropRunningLines', () => {
  it('drops headers/footers that repeat up to page numbers (arabic and roman)', () => {
    const pages = [
      ['Book', 'alpha', 'i'],
      ['Book', 'beta', 'ii'],
      ['Book', 'gamma', 'iii'],
      ['Book', 'delta', '4'],
    ];
    expect(runningKey('Page 12 of 300')).toBe('page # of #');
    expect(dropRunningLines(pages)).toEqual({ pages: [['alpha'], ['beta'], ['gamma'], ['delta']], headers: 4, footers: 4 });
  });

  it('drops alternating odd/even headers', () => {
    const titles = ['Chapter Title', 'Book Title'];
    const pages = Array.from({ length: 6 }, (_, i) => [titles[i % 2], `body ${'abcdef'[i]}`]);
    const out = dropRunningLines(pages);
    expect(out.pages).toEqual([['body a'], ['body b'], ['body c'], ['body d'], ['body e'], ['body f']]);
    expect(out.headers).toBe(6);
  });

  it('drops two-line headers', () => {
    const pages = [1, 2, 3].map((n) => ['Journal of Things', `Vol. 3, p. ${n}`, `text ${'xyz'[n - 1]}`]);
    expect(dropRunningLines(pages).pages).toEqual([['text x'], ['text y'], ['text z']]);
  });

  it('keeps lines that repeat on too few pages, and everything in documents under 3 pages', () => {
    const pages = [['Intro', 'a'], ['Intro', 'b'], ['Other', 'c'], ['More', 'd'], ['Else', 'e']];
    expect(dropRunningLines(pages)).toEqual({ pages, headers: 0, footers: 0 });
    expect(dropRunningLines([['H', 'a'], ['H', 'b']]).headers).toBe(0);
  });

  it('keeps one-line pages that differ only by numbers (that line is the body)', () => {
    const pages = [['Slide 1 of 3'], ['Slide 2 of 3'], ['Slide 3 of 3']];
    expect(dropRunningLines(pages)).toEqual({ pages, headers: 0, footers: 0 });
  });

  it('still drops the number of a blank page among pages with a running footer', () => {
    const pages = [['a', '1'], ['b', '2'], ['3'], ['d', '4']];
    expect(dropRunningLines(pages).pages).toEqual([['a'], ['b'], [], ['d']]);
  });
});

describe('joinHyphenated', () => {
  it('joins a word split at the line end and moves its tail up', () => {
    expect(joinHyphenated(['an exam-', 'ple, here', 'next'])).toEqual({ lines: ['an example,', 'here', 'next'], joined: 1 });
  });

  it('drops a line emptied by the join', () => {
    expect(joinHyphenated(['hyphen-', 'ated', 'end'])).toEqual({ lines: ['hyphenated', 'end'], joined: 1 });
  });

  it('leaves dashes, capitals and digits alone', () => {
    const lines = ['well-', 'Known', 'range 1-', '2 and -', 'dash', 'x --', 'y'];
    expect(joinHyphenated(lines)).toEqual({ lines, joined: 0 });
  });
});
