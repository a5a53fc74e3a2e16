/**
 * Newline index of a text: the offsets of its '\n' characters, for O(log n) offset → line lookups
 * (used by the source map and by the HTML extractor for element source lines).
 */

/** Offsets of every '\n' in `text`, ascending. */
export function newlineOffsets(text: string): Uint32Array {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  const out = new Uint32Array(count); // [count] offsets of '\n', ascending
  let k = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out[k++] = i;
  return out;
}

/** Number of newlines at offsets < `pos` (binary search). */
export function newlinesBefore(newlines: Uint32Array, pos: number): number {
  let lo = 0;
  let hi = newlines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (newlines[mid] < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** 1-based line of offset `pos`; a '\n' belongs to the line it ends. */
export function lineAt(newlines: Uint32Array, pos: number): number {
  return newlinesBefore(newlines, pos) + 1;
}
