/**
 * `extract(path)`: the entry of document ingestion. Detects the format (folder → codebase; else by
 * content: PDF, EPUB, HTML, Markdown/text), dispatches to the extractor, and applies the rules
 * common to all: missing path → FILE_NOT_FOUND, empty → NO_TEXT, over limits.maxChars →
 * TOO_LARGE (never truncation), cancellation rejects with the AbortSignal's reason.
 */
import { open, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, resolve } from 'node:path';
import { EngineError } from '../errors.js';
import { tooLargeError } from './DocumentBuilder.js';
import { detectFormat } from './detectFormat.js';
import { ProgressThrottle } from './ProgressThrottle.js';
import { formatCount, resolveLimits, type ExtractContext, type ExtractOptions, type FileInput } from './ExtractOptions.js';
import { extractCodebase } from './extractors/codebase.js';
import { extractEpub } from './extractors/epub.js';
import { extractHtml } from './extractors/html.js';
import { extractPdf } from './extractors/pdf.js';
import { extractText } from './extractors/text.js';
import type { ExtractedDocument } from './types.js';

/** A UTF-8/UTF-16/Latin-1 text has at least one character per 3 bytes (CRLF: 1 per 2). */
const MAX_BYTES_PER_CHAR = 3;
/**
 * Text files bigger than this and than MAX_BYTES_PER_CHAR × maxChars are refused before reading
 * (the message then gives a lower bound); smaller ones are read so the message has the exact size.
 */
const READ_TO_MEASURE_BYTES = 64 * 1024 * 1024;
/** Bytes read to detect the format. */
const HEAD_BYTES = 4096;

async function statPath(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new EngineError('FILE_NOT_FOUND', `no such file or folder: ${path}`, { cause: err });
    throw new EngineError('IO_ERROR', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function readInput(path: string, ctx: ExtractContext): Promise<FileInput> {
  try {
    const bytes = await readFile(path, { signal: ctx.signal });
    return { path, name: basename(path), bytes };
  } catch (err) {
    ctx.signal?.throwIfAborted();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_FS_FILE_TOO_LARGE') throw new EngineError('TOO_LARGE', `${path} is too large to read into memory`, { cause: err });
    throw new EngineError('IO_ERROR', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The first bytes of a file (enough for detectFormat). */
async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r').catch((err: unknown) => {
    throw new EngineError('IO_ERROR', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  });
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function extractFile(path: string, size: number, ctx: ExtractContext): Promise<ExtractedDocument> {
  const name = basename(path);
  if (size === 0) throw new EngineError('NO_TEXT', `${name} is empty`);
  const format = detectFormat(await readHead(path), name);
  if ((format === 'text' || format === 'markdown') && size > Math.max(READ_TO_MEASURE_BYTES, MAX_BYTES_PER_CHAR * ctx.limits.maxChars)) {
    throw tooLargeError(`at least ${formatCount(Math.floor(size / MAX_BYTES_PER_CHAR))} characters (${formatCount(size)} bytes)`, ctx.limits.maxChars);
  }
  const input = await readInput(path, ctx);
  if (format === 'pdf') return extractPdf(input, ctx);
  if (format === 'zip') return extractEpub(input, ctx);
  // single-step formats: one progress event before and one after
  const progress = new ProgressThrottle(ctx.onProgress);
  progress.report('extract', 0, 1, name);
  const doc = format === 'html' ? extractHtml(input, ctx) : extractText(input, ctx, format);
  progress.report('extract', 1, 1, name);
  return doc;
}

/**
 * Extracts the text of a document or a codebase folder, with its source map.
 * @param path file (PDF, EPUB, HTML, Markdown, text) or folder (codebase)
 * @param options `signal`, `onProgress`, `limits` (defaults: 16 Mi chars, 1 MiB per file, 64 MiB per folder)
 * @throws EngineError FILE_NOT_FOUND, UNSUPPORTED_FORMAT, ENCRYPTED, NO_TEXT, TOO_LARGE, EXTRACT_ERROR, IO_ERROR;
 *   TypeError for invalid limits; `signal.reason` when aborted
 */
export async function extract(path: string, options: ExtractOptions = {}): Promise<ExtractedDocument> {
  const ctx: ExtractContext = { signal: options.signal, onProgress: options.onProgress, limits: resolveLimits(options.limits) };
  const abs = resolve(path);
  try {
    ctx.signal?.throwIfAborted();
    const info = await statPath(abs);
    ctx.signal?.throwIfAborted();
    let doc: ExtractedDocument;
    if (info.isDirectory()) doc = await extractCodebase(abs, ctx);
    else if (info.isFile()) doc = await extractFile(abs, info.size, ctx);
    else throw new EngineError('UNSUPPORTED_FORMAT', `${abs} is neither a file nor a folder`);
    ctx.signal?.throwIfAborted();
    if (doc.text.trim().length === 0) throw new EngineError('NO_TEXT', `no text in ${basename(abs)}`);
    if (doc.text.length > ctx.limits.maxChars) throw tooLargeError(`${formatCount(doc.text.length)} characters`, ctx.limits.maxChars);
    return doc;
  } catch (err) {
    // whatever failed after an abort (a destroyed pdf.js task, an aborted read) reports the abort itself
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    throw err;
  }
}
