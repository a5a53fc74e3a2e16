/**
 * Bytes → text for every text-like input: BOM detection (UTF-8, UTF-16 LE/BE), strict UTF-8 with
 * a Latin-1 (Windows-1252) fallback, binary detection by content, and newline normalisation.
 */
import { isUtf8 } from 'node:buffer';

/** How many leading bytes the binary check looks at. */
export const SNIFF_BYTES = 8 * 1024;
/** More than this share of control bytes (other than tab, newlines, form feed, escape) → binary. */
const MAX_CONTROL_RATIO = 0.1;
/** More than this share of invalid UTF-8 sequences among the decoded characters → binary... */
const MAX_INVALID_UTF8_RATIO = 0.3;
/** ...judged only on samples this long (a short Latin-1 word like "café" is a third invalid). */
const MIN_RATIO_SAMPLE = 64;

/** The encoding a text was decoded with. */
export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

/** Result of {@link decodeText}. */
export interface DecodedText {
  /** The text with the BOM removed; newlines not yet normalised. */
  text: string;
  encoding: TextEncodingName;
  /** True when the bytes were not valid UTF-8 and were read as Windows-1252. */
  fallback: boolean;
}

function bomEncoding(bytes: Uint8Array): { encoding: TextEncodingName; bomLength: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  return undefined;
}

/**
 * True when the first {@link SNIFF_BYTES} bytes look binary: a NUL byte, too many control
 * bytes, or too many invalid UTF-8 sequences. Files with a UTF-16 BOM are text.
 */
export function looksBinary(bytes: Uint8Array): boolean {
  const bom = bomEncoding(bytes);
  if (bom && bom.encoding !== 'utf-8') return false;
  const sample = bytes.subarray(0, SNIFF_BYTES);
  if (sample.length === 0) return false;
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const b = sample[i];
    if (b === 0) return true;
    // 0x09-0x0d: tab, LF, VT, FF, CR; 0x1b: ESC (ANSI colours in logs)
    if (b < 0x20 && !(b >= 0x09 && b <= 0x0d) && b !== 0x1b) control++;
  }
  if (control > sample.length * MAX_CONTROL_RATIO) return true;
  if (sample.length < MIN_RATIO_SAMPLE) return false;
  // a multi-byte sequence cut by the sample's end adds one U+FFFD at most: negligible in the ratio
  const decoded = asBuffer(sample).toString('utf8');
  let invalid = 0;
  for (let i = 0; i < decoded.length; i++) if (decoded.charCodeAt(i) === 0xfffd) invalid++;
  return invalid > decoded.length * MAX_INVALID_UTF8_RATIO;
}

/** Decodes bytes as UTF-16 (by BOM) or UTF-8, falling back to Windows-1252 when UTF-8 is invalid. */
export function decodeText(bytes: Uint8Array): DecodedText {
  const bom = bomEncoding(bytes);
  if (bom) {
    const body = bytes.subarray(bom.bomLength);
    // ignoreBOM: true because the BOM has already been cut off; a second one would be content
    return { text: new TextDecoder(bom.encoding, { ignoreBOM: true }).decode(body), encoding: bom.encoding, fallback: false };
  }
  const buffer = asBuffer(bytes);
  if (isUtf8(buffer)) return { text: buffer.toString('utf8'), encoding: 'utf-8', fallback: false };
  return { text: decodeWindows1252(buffer), encoding: 'latin1', fallback: true };
}

/** A Buffer view of the same memory (Buffer's decoders are the fast path for many small files). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Windows-1252 (what "Latin-1" text usually is): ISO-8859-1 except 0x80-0x9f, which hold printable
 * characters (curly quotes, dashes, €). Written out because Node 20's TextDecoder('windows-1252')
 * decodes 0x80-0x9f as C1 controls. Undefined bytes (0x81, 0x8d, 0x8f, 0x90, 0x9d) stay as they are.
 */
const CP1252_80_9F = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Buffer): string {
  const latin1 = bytes.toString('latin1');
  return latin1.replace(/[\u0080-\u009f]/g, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80]);
}

/** CRLF and lone CR → LF. */
export function normalizeNewlines(text: string): string {
  return text.indexOf('\r') < 0 ? text : text.replace(/\r\n?/g, '\n');
}
