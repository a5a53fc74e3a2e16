/**
 * PDF extraction with pdf.js (pdfjs-dist legacy build, runs in plain Node): pages in order, lines
 * rebuilt from text items, running headers/footers dropped, end-of-line hyphens joined; one
 * `page` segment per page with text. Password → ENCRYPTED, no text layer → NO_TEXT, unreadable → EXTRACT_ERROR.
 */
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, sep } from 'node:path';
import { EngineError } from '../../errors.js';
import { DocumentBuilder, tooLargeError } from '../DocumentBuilder.js';
import { formatCount, type ExtractContext, type FileInput } from '../ExtractOptions.js';
import { ProgressThrottle } from '../ProgressThrottle.js';
import type { ExtractedDocument } from '../types.js';
import { dropRunningLines, joinHyphenated, linesFromItems, type PdfTextItem } from './pdfLines.js';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
type PdfDocument = Awaited<ReturnType<PdfJs['getDocument']>['promise']>;

/** While reading pages, refuse once the raw text passes this multiple of maxChars (headers dropped later cannot save it). */
const RAW_OVERSHOOT = 2;

/** Folder of a pdfjs-dist asset directory, with the trailing separator pdf.js expects. */
function pdfjsAssets(name: string): string {
  const pkg = createRequire(import.meta.url).resolve('pdfjs-dist/package.json');
  return join(dirname(pkg), name) + sep;
}

/** pdf.js refuses Node Buffers: a plain Uint8Array view when the buffer owns its memory, else a copy (pooled buffers). */
function plainBytes(bytes: Uint8Array): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole ? new Uint8Array(bytes.buffer, 0, bytes.byteLength) : new Uint8Array(bytes);
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** Maps a pdf.js open failure to a typed error. */
function openError(err: unknown, name: string): EngineError {
  const kind = (err as { name?: string } | null)?.name;
  const message = err instanceof Error ? err.message : String(err);
  if (kind === 'PasswordException') return new EngineError('ENCRYPTED', `${name} is a password-protected PDF`, { cause: err });
  return new EngineError('EXTRACT_ERROR', `${name} is not a readable PDF (corrupt or truncated?): ${message}`, { cause: err });
}

async function documentTitle(doc: PdfDocument): Promise<string | undefined> {
  const meta = await doc.getMetadata().catch(() => undefined);
  const info = meta?.info as { Title?: unknown } | undefined;
  const title = typeof info?.Title === 'string' ? info.Title.trim() : '';
  return title || meta?.metadata?.get('dc:title')?.trim() || undefined;
}

interface PageLines {
  pages: string[][];
  warnings: string[];
}

/** Reads every page's lines, reporting progress and stopping at the abort signal or the raw size bound. */
async function readPages(doc: PdfDocument, ctx: ExtractContext): Promise<PageLines> {
  const progress = new ProgressThrottle(ctx.onProgress);
  const total = doc.numPages;
  const pages: string[][] = [];
  const failed: number[] = [];
  let chars = 0;
  progress.report('extract', 0, total);
  for (let n = 1; n <= total; n++) {
    ctx.signal?.throwIfAborted();
    let lines: string[] = [];
    try {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      lines = linesFromItems(content.items.filter((it): it is PdfTextItem & typeof it => 'str' in it));
      page.cleanup();
    } catch (err) {
      ctx.signal?.throwIfAborted();
      failed.push(n);
    }
    pages.push(lines);
    for (const l of lines) chars += l.length + 1;
    if (chars > RAW_OVERSHOOT * ctx.limits.maxChars) {
      const estimate = (chars / n) * total;
      throw tooLargeError(`more than ${formatCount(chars)} characters by page ${n} of ${formatCount(total)} (about ${formatCount(estimate)} in all)`, ctx.limits.maxChars);
    }
    progress.report('extract', n, total, `page ${n}`);
  }
  const warnings = failed.length > 0 ? [`${plural(failed.length, 'page')} could not be read and were skipped: ${failed.slice(0, 20).join(', ')}`] : [];
  return { pages, warnings };
}

/** Assembles the document text from cleaned pages. */
function assemble(pages: string[][], ctx: ExtractContext): { builder: DocumentBuilder; stats: Record<string, number> } {
  const running = dropRunningLines(pages);
  let joined = 0;
  const texts = running.pages.map((lines) => {
    const j = joinHyphenated(lines);
    joined += j.joined;
    return j.lines.join('\n');
  });
  const total = texts.reduce((n, t) => n + (t.length > 0 ? t.length + 2 : 0), 0) - 2;
  const builder = new DocumentBuilder(ctx.limits.maxChars, () => `${formatCount(total)} characters in ${plural(pages.length, 'page')}`);
  texts.forEach((t, i) => {
    if (t.length === 0) return;
    if (builder.length > 0) builder.append('\n\n');
    builder.appendMapped(t, { kind: 'page', page: i + 1 });
  });
  const withText = texts.filter((t) => t.length > 0).length;
  const stats = { pages: pages.length, pagesWithText: withText, headerLinesDropped: running.headers, footerLinesDropped: running.footers, hyphenationsJoined: joined };
  return { builder, stats };
}

/** Extracts a PDF file. */
export async function extractPdf(input: FileInput, ctx: ExtractContext): Promise<ExtractedDocument> {
  const pdfjs: PdfJs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const bytes = input.bytes.length; // pdf.js may detach the buffer it is given
  const task = pdfjs.getDocument({
    data: plainBytes(input.bytes),
    standardFontDataUrl: pdfjsAssets('standard_fonts'),
    cMapUrl: pdfjsAssets('cmaps'),
    cMapPacked: true,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
    isEvalSupported: false,
    disableFontFace: true,
  });
  const onAbort = () => void task.destroy();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const doc = await task.promise.catch((err: unknown) => {
      ctx.signal?.throwIfAborted();
      throw openError(err, input.name);
    });
    const { pages, warnings } = await readPages(doc, ctx);
    const { builder, stats } = assemble(pages, ctx);
    if (builder.length === 0) throw new EngineError('NO_TEXT', `no extractable text in ${plural(pages.length, 'page')} (scanned?)`);
    const blank = stats.pages - stats.pagesWithText;
    if (blank > 0) warnings.push(`${formatCount(blank)} of ${plural(stats.pages, 'page')} ${blank === 1 ? 'has' : 'have'} no text (scanned images or blank)`);
    const title = (await documentTitle(doc)) ?? basename(input.name, extname(input.name));
    const { text, segments } = builder.finish();
    return { format: 'pdf', title, text, sourceMap: { segments }, warnings, stats: { ...stats, bytes, chars: text.length } };
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
    await task.destroy();
  }
}
