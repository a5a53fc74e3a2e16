/**
 * EPUB extraction (jszip + @xmldom/xmldom + htmlparser2; epubjs does not run in Node): chapters in
 * spine order, each one `chapter` segment titled from the nav/NCX table of contents, else its
 * first heading, else its file name. Missing spine items are skipped with a warning naming them,
 * unless every item is missing (EXTRACT_ERROR). A zip that is not an EPUB → UNSUPPORTED_FORMAT.
 */
import { posix } from 'node:path';
import JSZip from 'jszip';
import { EngineError } from '../../errors.js';
import { DocumentBuilder } from '../DocumentBuilder.js';
import { decodeText, normalizeNewlines } from '../decodeText.js';
import { formatCount, type ExtractContext, type FileInput } from '../ExtractOptions.js';
import { ProgressThrottle } from '../ProgressThrottle.js';
import type { ExtractedDocument } from '../types.js';
import { readEpubPackage, zipEntry, type EpubPackage } from './epubPackage.js';
import { htmlToLines } from './htmlLines.js';

const EPUB_MIMETYPE = 'application/epub+zip';
/** At most this many names are listed in a warning. */
const LIST_LIMIT = 20;

async function openZip(input: FileInput): Promise<JSZip> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(input.bytes);
  } catch (err) {
    throw new EngineError('EXTRACT_ERROR', `${input.name} is a corrupt or truncated zip archive (${(err as Error).message})`, { cause: err });
  }
  const entry = zip.file('mimetype');
  const mimetype = entry ? (await entry.async('string')).trim() : undefined;
  const epub = mimetype === EPUB_MIMETYPE || (mimetype === undefined && zip.file('META-INF/container.xml') !== null);
  if (!epub) {
    const why = mimetype === undefined ? 'it has no mimetype entry' : `its mimetype is "${mimetype.slice(0, 80)}"`;
    throw new EngineError('UNSUPPORTED_FORMAT', `${input.name} is a zip archive but not an EPUB (${why})`);
  }
  return zip;
}

interface Chapters {
  builder: DocumentBuilder;
  missing: string[];
  latin1: string[];
  withText: number;
}

async function readChapters(zip: JSZip, pkg: EpubPackage, ctx: ExtractContext): Promise<Chapters> {
  const progress = new ProgressThrottle(ctx.onProgress);
  const total = pkg.spine.length;
  let done = 0;
  const builder = new DocumentBuilder(
    ctx.limits.maxChars,
    (n) => `more than ${formatCount(n - 1)} characters by chapter ${done + 1} of ${total} (about ${formatCount((n / (done + 1)) * total)} in all)`,
  );
  const out: Chapters = { builder, missing: [], latin1: [], withText: 0 };
  progress.report('extract', 0, total);
  for (const [index, item] of pkg.spine.entries()) {
    ctx.signal?.throwIfAborted();
    const entry = item.path ? zipEntry(zip, item.path) : undefined;
    if (!entry) out.missing.push(item.path || `#${item.id}`);
    else {
      const decoded = decodeText(await entry.async('uint8array'));
      if (decoded.fallback) out.latin1.push(item.path);
      const html = htmlToLines(normalizeNewlines(decoded.text));
      const title = pkg.tocTitles.get(item.path) ?? html.firstHeading ?? posix.basename(item.path);
      if (html.lines.length > 0) {
        if (builder.length > 0) builder.append('\n\n');
        builder.appendMapped(html.lines.map((l) => l.text).join('\n'), { kind: 'chapter', index, title, href: item.path });
        out.withText++;
      }
    }
    done = index + 1;
    progress.report('extract', done, total, item.path);
  }
  return out;
}

function listed(names: string[]): string {
  const more = names.length > LIST_LIMIT ? ` (and ${names.length - LIST_LIMIT} more)` : '';
  return names.slice(0, LIST_LIMIT).join(', ') + more;
}

/** Extracts an EPUB file. */
export async function extractEpub(input: FileInput, ctx: ExtractContext): Promise<ExtractedDocument> {
  const zip = await openZip(input);
  const pkg = await readEpubPackage(zip);
  if (pkg.spine.length === 0) throw new EngineError('EXTRACT_ERROR', `corrupt EPUB: ${input.name} has an empty spine (no chapters)`);
  const chapters = await readChapters(zip, pkg, ctx);
  if (chapters.missing.length === pkg.spine.length) {
    throw new EngineError('EXTRACT_ERROR', `corrupt EPUB: every spine item is missing from the archive: ${listed(chapters.missing)}`);
  }
  const warnings = [...pkg.warnings];
  const missing = chapters.missing.length;
  if (missing > 0) warnings.push(`skipped ${missing} spine ${missing === 1 ? 'item' : 'items'} missing from the archive: ${listed(chapters.missing)}`);
  if (chapters.latin1.length > 0) warnings.push(`read as Latin-1 (not valid UTF-8): ${listed(chapters.latin1)}`);
  if (chapters.builder.length === 0) throw new EngineError('NO_TEXT', `no text in the ${pkg.spine.length} chapters of ${input.name}`);
  const { text, segments } = chapters.builder.finish();
  return {
    format: 'epub',
    title: pkg.title ?? posix.basename(input.name).replace(/\.[^.]+$/, ''),
    text,
    sourceMap: { segments },
    warnings,
    stats: { chapters: pkg.spine.length, chaptersWithText: chapters.withText, missingItems: chapters.missing.length, bytes: input.bytes.length, chars: text.length },
  };
}
