/**
 * Source locations of text ranges: `locate(map, text, start, end)` turns offsets into the
 * extracted text into "p. 213", "ch. 3 “Title”", "lines 120–164" or "src/parser.ts:120–164"
 * plus structured fields. Segment lookup is a binary search; the newline index of a text is
 * built once per source map and cached, so thousands of calls stay cheap.
 */
import { newlineOffsets, newlinesBefore } from './lineIndex.js';
import type { SourceMap, SourceSegment } from './types.js';

/** Where a range of the extracted text comes from. Ranges are 1-based and inclusive. */
export type SourceLocation =
  | { kind: 'page'; label: string; pageStart: number; pageEnd: number }
  /** `indexStart`/`indexEnd`: 0-based spine indices (the label shows them 1-based); title/href of the first chapter. */
  | { kind: 'chapter'; label: string; indexStart: number; indexEnd: number; title: string; href: string }
  | { kind: 'lines'; label: string; lineStart: number; lineEnd: number }
  /** `pathEnd` differs from `path` when the range spans files. */
  | { kind: 'file'; label: string; path: string; lineStart: number; pathEnd: string; lineEnd: number }
  /** The range lies only in text that maps nowhere (separators, file headers). */
  | { kind: 'none'; label: '' };

const EN_DASH = '\u2013';
const cache = new WeakMap<SourceMap, { text: string; newlines: Uint32Array }>();

function newlinesOf(map: SourceMap, text: string): Uint32Array {
  const hit = cache.get(map);
  if (hit && hit.text === text) return hit.newlines;
  const newlines = newlineOffsets(text);
  cache.set(map, { text, newlines });
  return newlines;
}

/** Index of the first segment for which `pred` holds (pred must be monotonic over the sorted segments). */
function firstWhere(segments: SourceSegment[], pred: (s: SourceSegment) => boolean): number {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(segments[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function range(a: number, b: number): string {
  return a === b ? String(a) : `${a}${EN_DASH}${b}`;
}

/** Line of offset `pos` inside a line-based segment. */
function lineIn(newlines: Uint32Array, seg: { start: number; firstLine: number }, pos: number): number {
  return seg.firstLine + newlinesBefore(newlines, pos) - newlinesBefore(newlines, seg.start);
}

/**
 * Locates text[start, end) (UTF-16 offsets, end exclusive; an empty range locates the character at
 * `start`). Throws RangeError for offsets outside the text.
 */
export function locate(map: SourceMap, text: string, start: number, end: number): SourceLocation {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > text.length) {
    throw new RangeError(`locate: invalid range [${start}, ${end}) for a text of ${text.length} characters`);
  }
  const segs = map.segments;
  const stop = end > start ? end : start + 1;
  const i = firstWhere(segs, (s) => s.end > start);
  const j = firstWhere(segs, (s) => s.start >= stop) - 1;
  if (i >= segs.length || j < i) return { kind: 'none', label: '' };
  const a = segs[i];
  const b = segs[j].kind === a.kind ? segs[j] : a;
  const first = Math.max(start, a.start);
  const last = Math.min(stop, b.end) - 1; // offset of the last character in range
  switch (a.kind) {
    case 'page': {
      const pageEnd = (b as typeof a).page;
      const label = pageEnd === a.page ? `p. ${a.page}` : `pp. ${a.page}${EN_DASH}${pageEnd}`;
      return { kind: 'page', label, pageStart: a.page, pageEnd };
    }
    case 'chapter': {
      const indexEnd = (b as typeof a).index;
      const label = indexEnd === a.index ? `ch. ${a.index + 1} \u201c${a.title}\u201d` : `ch. ${range(a.index + 1, indexEnd + 1)}`;
      return { kind: 'chapter', label, indexStart: a.index, indexEnd, title: a.title, href: a.href };
    }
    case 'lines': {
      const newlines = newlinesOf(map, text);
      const lineStart = lineIn(newlines, a, first);
      const lineEnd = lineIn(newlines, b as typeof a, last);
      const label = lineStart === lineEnd ? `line ${lineStart}` : `lines ${lineStart}${EN_DASH}${lineEnd}`;
      return { kind: 'lines', label, lineStart, lineEnd };
    }
    case 'file': {
      const newlines = newlinesOf(map, text);
      const bf = b as typeof a;
      const lineStart = lineIn(newlines, a, first);
      const lineEnd = lineIn(newlines, bf, last);
      const label =
        bf.path === a.path ? `${a.path}:${range(lineStart, lineEnd)}` : `${a.path}:${lineStart} ${EN_DASH} ${bf.path}:${lineEnd}`;
      return { kind: 'file', label, path: a.path, lineStart, pathEnd: bf.path, lineEnd };
    }
  }
}
