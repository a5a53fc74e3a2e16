/**
 * llama.cpp's detokenizer clean-up (clean_up_tokenization_spaces, in llama_vocab::impl::detokenize):
 * three in-place passes over the bytes that drop the space before ? ! . , , the spaces around a
 * lone apostrophe, and the space before 's 'm 're 've. Ported literally (including its quirks)
 * and extended to report, for each output byte, which input byte it came from, so the streaming
 * detokenizer can tell which output is final.
 */

const SPACE = 0x20;
const APOS = 0x27;
const isPunct = (x: number) => x === 0x3f || x === 0x21 || x === 0x2e || x === 0x2c; // ? ! . ,

/** Result of a clean-up: `bytes[i]` came from input byte `src[i]`. */
export interface Cleaned {
  bytes: Uint8Array;
  /** [bytes.length] index into the input of each output byte (increasing). */
  src: Int32Array;
}

/** Runs the three passes over `input` (not modified). */
export function cleanSpaces(input: Uint8Array): Cleaned {
  const t = Uint8Array.from(input);
  const src = new Int32Array(t.length);
  for (let i = 0; i < src.length; i++) src[i] = i;
  let n = t.length;

  // Pass 1: " ?", " !", " .", " ," lose the space.
  let total = n ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = t[i];
    const s = src[i];
    if (t[i - 1] === SPACE && isPunct(x)) total--;
    t[total] = x;
    src[total++] = s;
  }
  n = total;

  // Pass 2: " ' " becomes "'" (the byte after it is blanked, as llama.cpp does).
  total = n ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = t[i];
    const s = src[i];
    if (x === APOS && i + 1 < n && t[i - 1] === SPACE && t[i + 1] === SPACE) {
      total--;
      t[++i] = 0;
    }
    t[total] = x;
    src[total++] = s;
  }
  n = total;

  // Pass 3: " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
  total = n ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = t[i];
    const s = src[i];
    if (t[i - 1] === SPACE && x === APOS && i + 1 < n) {
      const x1 = t[i + 1];
      if (x1 === 0x74 || x1 === 0x64) {
        // 't 'd: keep
      } else if (x1 === 0x73 || x1 === 0x6d) {
        total--;
      } else if (i + 2 < n) {
        const x2 = t[i + 2];
        if ((x1 === 0x72 && x2 === 0x65) || (x1 === 0x76 && x2 === 0x65)) total--;
      }
    }
    t[total] = x;
    src[total++] = s;
  }
  return { bytes: t.subarray(0, total), src: src.subarray(0, total) };
}

/** True when the clean-up never removes or depends on this byte as a left neighbour (see StreamingDetokenizer). */
export function isCleanAnchor(b: number): boolean {
  return b !== SPACE && b !== APOS && !isPunct(b) && b !== 0;
}
