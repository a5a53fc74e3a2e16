/**
 * Decides how to read a file, by content first: `%PDF-` → pdf, a zip archive → epub (the EPUB
 * extractor checks the `mimetype` entry and refuses other zips), an HTML document → html; else
 * text, with the extension only telling Markdown and HTML fragments apart.
 */
import { extname } from 'node:path';

/** What `extract()` dispatches on. `zip` archives go to the EPUB extractor. */
export type DetectedFormat = 'pdf' | 'zip' | 'html' | 'markdown' | 'text';

/** PDF readers accept the header anywhere in the first 1024 bytes. */
const PDF_HEADER_WINDOW = 1024;
/** How much of the start is searched for an HTML root. */
const HTML_WINDOW = 2048;
const MARKDOWN_EXTENSIONS = new Set(['.md', '.markdown', '.mdown', '.mkd', '.mdx']);
const HTML_EXTENSIONS = new Set(['.html', '.htm', '.xhtml']);
/** Optional XML declaration and comments, then `<!doctype html` or `<html`. */
const HTML_START = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!doctype\s+html|<html[\s>])/i;

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

function findAscii(bytes: Uint8Array, needle: string, window: number): boolean {
  const end = Math.min(bytes.length, window) - needle.length;
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle.charCodeAt(j)) continue outer;
    return true;
  }
  return false;
}

/** Detects the format of a file from its first bytes and its name. */
export function detectFormat(head: Uint8Array, fileName: string): DetectedFormat {
  if (findAscii(head, '%PDF-', PDF_HEADER_WINDOW)) return 'pdf';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  const ext = extname(fileName).toLowerCase();
  const bomLength = startsWith(head, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  const start = Buffer.from(head.subarray(bomLength, bomLength + HTML_WINDOW)).toString('latin1');
  if (HTML_START.test(start)) return 'html';
  if (HTML_EXTENSIONS.has(ext) && /^\s*</.test(start)) return 'html';
  if (MARKDOWN_EXTENSIONS.has(ext)) return 'markdown';
  return 'text';
}
