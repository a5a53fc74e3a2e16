/**
 * Pure text clean-up for PDF pages: rebuilds lines from pdf.js text items (baseline changes and
 * end-of-line flags, spaces where items are apart), drops running headers and footers, and joins
 * words split by an end-of-line hyphen.
 */

/** The fields of a pdf.js TextItem this module reads. */
export interface PdfTextItem {
  str: string;
  /** [a, b, c, d, e, f]: text matrix; (e, f) is the origin of the item, hypot(c, d) its font size. */
  transform: number[];
  width: number;
  height: number;
  hasEOL: boolean;
}

/** A baseline move of more than this share of the font size starts a new line (superscripts stay). */
const NEW_LINE_DY = 0.5;
/** A horizontal gap of more than this share of the font size between items is a space. */
const SPACE_GAP = 0.2;
/** A header/footer candidate must repeat on at least this many pages... */
const RUNNING_MIN_PAGES = 3;
/** ...and on at least this share of all pages, or of the odd or the even pages (alternating headers). */
const RUNNING_RATIO = 0.6;
/** Headers and footers may be two lines deep (e.g. title line, then page number line). */
const RUNNING_MAX_DEPTH = 2;

/** Rebuilds the lines of one page from its text items, in content-stream order. */
export function linesFromItems(items: PdfTextItem[]): string[] {
  const lines: string[] = [];
  let line = '';
  let lastY = 0;
  let lastEndX = 0;
  let lastSize = 0;
  let breakAfter = false;
  for (const item of items) {
    if (item.str.length === 0) {
      breakAfter ||= item.hasEOL;
      continue;
    }
    const [, , c, d, x, y] = item.transform;
    const size = Math.hypot(c, d) || item.height || 1;
    const moved = line.length > 0 && Math.abs(y - lastY) > NEW_LINE_DY * Math.max(size, lastSize);
    if (line.length > 0 && (breakAfter || moved)) {
      lines.push(line);
      line = '';
    } else if (line.length > 0 && x - lastEndX > SPACE_GAP * size && !/\s$/.test(line) && !/^\s/.test(item.str)) {
      line += ' ';
    }
    line += item.str;
    lastY = y;
    lastEndX = x + item.width;
    lastSize = size;
    breakAfter = item.hasEOL;
  }
  lines.push(line);
  return lines.map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l.length > 0);
}

/** Key under which header/footer lines that differ only by page numbers compare equal. */
export function runningKey(line: string): string {
  return line
    .toLowerCase()
    .replace(/\d+/g, '#')
    .replace(/\b[ivxlcdm]+\b/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Pages with text, in all and split by parity (page i, 0-based, is page number i + 1). */
interface PageCounts {
  all: number;
  odd: number;
  even: number;
}

function countPages(pages: string[][]): PageCounts {
  const withText = pages.map((lines, i) => (lines.length > 0 ? i : -1)).filter((i) => i >= 0);
  const odd = withText.filter((i) => i % 2 === 0).length;
  return { all: withText.length, odd, even: withText.length - odd };
}

function isRunning(pageIndices: number[], counts: PageCounts, pages: string[][]): boolean {
  if (pageIndices.length < RUNNING_MIN_PAGES) return false;
  // a header sits above body text: when most of these pages hold this one line only, it is the body
  const alone = pageIndices.filter((i) => pages[i].length < 2).length;
  if (alone * 2 > pageIndices.length) return false;
  if (pageIndices.length >= RUNNING_RATIO * counts.all) return true;
  const odd = pageIndices.filter((i) => i % 2 === 0).length;
  const even = pageIndices.length - odd;
  return (odd >= RUNNING_MIN_PAGES && odd >= RUNNING_RATIO * counts.odd) || (even >= RUNNING_MIN_PAGES && even >= RUNNING_RATIO * counts.even);
}

/** Removes the first (or last) line of the given pages where it is a running header (footer). */
function dropSide(pages: string[][], side: 'first' | 'last'): number {
  const counts = countPages(pages);
  let candidates = pages.map((_, i) => i);
  let removed = 0;
  for (let depth = 0; depth < RUNNING_MAX_DEPTH && candidates.length > 0; depth++) {
    const byKey = new Map<string, number[]>();
    for (const i of candidates) {
      const lines = pages[i];
      if (lines.length === 0) continue;
      const key = runningKey(side === 'first' ? lines[0] : lines[lines.length - 1]);
      const list = byKey.get(key);
      if (list) list.push(i);
      else byKey.set(key, [i]);
    }
    const dropped: number[] = [];
    for (const indices of byKey.values()) if (isRunning(indices, counts, pages)) dropped.push(...indices);
    for (const i of dropped) {
      if (side === 'first') pages[i].shift();
      else pages[i].pop();
    }
    removed += dropped.length;
    candidates = dropped.sort((a, b) => a - b);
  }
  return removed;
}

/**
 * Drops running headers and footers: first/last lines that are identical, or identical up to page
 * numbers, on most pages (or on most odd or most even pages). Needs at least 3 pages.
 */
export function dropRunningLines(pages: string[][]): { pages: string[][]; headers: number; footers: number } {
  const out = pages.map((lines) => lines.slice());
  if (out.length < RUNNING_MIN_PAGES) return { pages: out, headers: 0, footers: 0 };
  const headers = dropSide(out, 'first');
  const footers = dropSide(out, 'last');
  return { pages: out, headers, footers };
}

/** Joins "exam-" + "ple here" into "example" + "here" when the next line starts in lower case. */
export function joinHyphenated(lines: string[]): { lines: string[]; joined: number } {
  const out = lines.slice();
  let joined = 0;
  for (let i = 0; i + 1 < out.length; i++) {
    if (!/\p{L}-$/u.test(out[i]) || !/^\p{Ll}/u.test(out[i + 1])) continue;
    const m = /^(\S+)\s*(.*)$/.exec(out[i + 1]);
    if (!m) continue;
    out[i] = out[i].slice(0, -1) + m[1];
    out[i + 1] = m[2];
    joined++;
  }
  return { lines: out.filter((l) => l.length > 0), joined };
}
