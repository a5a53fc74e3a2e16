/**
 * Plain text and Markdown: decoding (BOM, UTF-8, UTF-16, Latin-1 fallback), binary refusal,
 * newline normalisation. The whole text is one `lines` segment starting at line 1, so offsets
 * map to lines of the normalised text (which has the same lines as the file).
 */
import { basename, extname } from 'node:path';
import { EngineError } from '../../errors.js';
import { tooLargeError } from '../DocumentBuilder.js';
import { decodeText, looksBinary, normalizeNewlines } from '../decodeText.js';
import { formatCount, type ExtractContext, type FileInput } from '../ExtractOptions.js';
import type { ExtractedDocument } from '../types.js';

/** Warning added when the Latin-1 fallback was used. */
export const LATIN1_WARNING = 'the file is not valid UTF-8; it was read as Latin-1 (Windows-1252)';

/** Title of a Markdown text: its first level-1 ATX heading, else its first ATX heading of any level. */
export function markdownTitle(text: string): string | undefined {
  const h1 = /^# +(.+?)[ #]*$/m.exec(text);
  if (h1) return h1[1].trim();
  const any = /^#{2,6} +(.+?)[ #]*$/m.exec(text);
  return any ? any[1].trim() : undefined;
}

/** Counts lines: newlines, plus one for a last line without a newline. */
export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

/** Extracts a text or Markdown file. */
export function extractText(input: FileInput, ctx: ExtractContext, format: 'text' | 'markdown'): ExtractedDocument {
  if (looksBinary(input.bytes)) {
    throw new EngineError('UNSUPPORTED_FORMAT', `${input.name} is a binary file, not a PDF, EPUB, HTML or text document`);
  }
  const decoded = decodeText(input.bytes);
  const text = normalizeNewlines(decoded.text);
  if (text.trim().length === 0) {
    throw new EngineError('NO_TEXT', input.bytes.length === 0 ? `${input.name} is empty` : `${input.name} contains only whitespace`);
  }
  if (text.length > ctx.limits.maxChars) throw tooLargeError(`${formatCount(text.length)} characters`, ctx.limits.maxChars);
  const fileTitle = basename(input.name, extname(input.name));
  return {
    format,
    title: (format === 'markdown' ? markdownTitle(text) : undefined) ?? fileTitle,
    text,
    sourceMap: { segments: [{ kind: 'lines', start: 0, end: text.length, firstLine: 1 }] },
    warnings: decoded.fallback ? [LATIN1_WARNING] : [],
    stats: { bytes: input.bytes.length, chars: text.length, lines: countLines(text) },
  };
}
