import { describe, expect, it } from 'vitest';
import { locate } from '../../../engine/ingest/sourceMap.js';
import type { SourceMap } from '../../../engine/ingest/types.js';

/** Plain reference: 1-based line of `pos` inside a segment, by counting newlines in a slice. */
const refLine = (text: string, segStart: number, firstLine: number, pos: number) => firstLine + (text.slice(segStart, pos).split('\n').length - 1);

describe('locate', () => {
  // two files separated by header lines that map nowhere
  const text = '=== a.ts ===\nA1\nA2\nA3\n\n=== b/c.ts ===\nC1\nC2\n';
  const aStart = text.indexOf('A1');
  const cStart = text.indexOf('C1');
  const map: SourceMap = {
    segments: [
      { kind: 'file', start: aStart, end: text.indexOf('\n\n=== b') + 1, path: 'a.ts', firstLine: 1 },
      { kind: 'file', start: cStart, end: text.length, path: 'b/c.ts', firstLine: 1 },
    ],
  };

  it('labels single lines, line ranges and ranges across files', () => {
    expect(locate(map, text, aStart + 3, aStart + 5).label).toBe('a.ts:2');
    expect(locate(map, text, aStart, aStart + 8).label).toBe('a.ts:1\u20133');
    expect(locate(map, text, aStart + 3, cStart + 4).label).toBe('a.ts:2 \u2013 b/c.ts:2');
  });

  it('clips a range to the mapped text and answers none for unmapped text', () => {
    expect(locate(map, text, 0, aStart + 1).label).toBe('a.ts:1'); // starts in the header
    expect(locate(map, text, text.indexOf('=== b'), cStart)).toEqual({ kind: 'none', label: '' });
  });

  it('treats an empty range as the character at its start', () => {
    expect(locate(map, text, cStart + 3, cStart + 3).label).toBe('b/c.ts:2');
  });

  it('rejects offsets outside the text', () => {
    expect(() => locate(map, text, -1, 2)).toThrow(RangeError);
    expect(() => locate(map, text, 5, 4)).toThrow(RangeError);
    expect(() => locate(map, text, 0, text.length + 1)).toThrow(RangeError);
    expect(() => locate(map, text, 0.5, 2)).toThrow(RangeError);
  });

  it('agrees with a plain newline count on thousands of random ranges', () => {
    // 2,000 lines in 40 'lines' segments of 50 lines each, separated by a blank unmapped line
    const parts: string[] = [];
    const segments: SourceMap['segments'] = [];
    let offset = 0;
    for (let s = 0; s < 40; s++) {
      const body = Array.from({ length: 50 }, (_, i) => `seg ${s} line ${i} ${'x'.repeat((s * 7 + i) % 13)}`).join('\n');
      segments.push({ kind: 'lines', start: offset, end: offset + body.length, firstLine: 100 * s + 1 });
      parts.push(body, '\n\n');
      offset += body.length + 2;
    }
    const big = parts.join('');
    const bigMap: SourceMap = { segments };
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let k = 0; k < 5000; k++) {
      const a = rand(big.length);
      const b = Math.min(big.length, a + rand(3000));
      const got = locate(bigMap, big, a, b);
      const stop = b > a ? b : a + 1;
      const first = segments.find((s) => s.end > a && s.start < stop);
      if (!first) {
        expect(got.kind).toBe('none');
        continue;
      }
      const last = [...segments].reverse().find((s) => s.start < stop && s.end > a)!;
      if (got.kind !== 'lines' || first.kind !== 'lines' || last.kind !== 'lines') throw new Error('expected lines');
      expect(got.lineStart).toBe(refLine(big, first.start, first.firstLine, Math.max(a, first.start)));
      expect(got.lineEnd).toBe(refLine(big, last.start, last.firstLine, Math.min(stop, last.end) - 1));
    }
  });

  it('labels page and chapter ranges', () => {
    const pages: SourceMap = {
      segments: [
        { kind: 'page', start: 0, end: 5, page: 12 },
        { kind: 'page', start: 7, end: 12, page: 13 },
      ],
    };
    expect(locate(pages, 'aaaaa\n\nbbbbb', 1, 3)).toEqual({ kind: 'page', label: 'p. 12', pageStart: 12, pageEnd: 12 });
    expect(locate(pages, 'aaaaa\n\nbbbbb', 1, 9).label).toBe('pp. 12\u201313');
    const chapters: SourceMap = {
      segments: [
        { kind: 'chapter', start: 0, end: 5, index: 2, title: 'Title', href: 'x.xhtml' },
        { kind: 'chapter', start: 7, end: 12, index: 4, title: 'Other', href: 'y.xhtml' },
      ],
    };
    expect(locate(chapters, 'aaaaa\n\nbbbbb', 0, 2).label).toBe('ch. 3 \u201cTitle\u201d');
    expect(locate(chapters, 'aaaaa\n\nbbbbb', 0, 12).label).toBe('ch. 3\u20135');
  });
});
