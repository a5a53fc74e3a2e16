/**
 * HTML files: the text of the document (head, script, style and nav dropped) as lines, each run
 * of lines mapped to the source line of the element it came from.
 */
import { basename, extname } from 'node:path';
import { EngineError } from '../../errors.js';
import { DocumentBuilder } from '../DocumentBuilder.js';
import { decodeText, looksBinary, normalizeNewlines } from '../decodeText.js';
import { formatCount, type ExtractContext, type FileInput } from '../ExtractOptions.js';
import { lineAt, newlineOffsets } from '../lineIndex.js';
import type { ExtractedDocument } from '../types.js';
import { htmlToLines, type HtmlLine } from './htmlLines.js';
import { LATIN1_WARNING } from './text.js';

interface Run {
  firstLine: number;
  lines: string[];
}

/** Groups output lines whose source lines follow each other, so one segment maps the whole run. */
function runsOf(lines: HtmlLine[], newlines: Uint32Array): Run[] {
  const runs: Run[] = [];
  let last: Run | undefined;
  for (const line of lines) {
    const sourceLine = lineAt(newlines, line.sourceIndex);
    if (last && last.firstLine + last.lines.length === sourceLine) last.lines.push(line.text);
    else runs.push((last = { firstLine: sourceLine, lines: [line.text] }));
  }
  return runs;
}

/** Extracts an HTML file. */
export function extractHtml(input: FileInput, ctx: ExtractContext): ExtractedDocument {
  if (looksBinary(input.bytes)) throw new EngineError('UNSUPPORTED_FORMAT', `${input.name} is a binary file, not HTML`);
  const decoded = decodeText(input.bytes);
  const source = normalizeNewlines(decoded.text);
  const html = htmlToLines(source);
  if (html.lines.length === 0) throw new EngineError('NO_TEXT', `no text in the body of ${input.name}`);
  const total = html.lines.reduce((n, l) => n + l.text.length + 1, -1);
  const builder = new DocumentBuilder(ctx.limits.maxChars, () => `${formatCount(total)} characters`);
  for (const run of runsOf(html.lines, newlineOffsets(source))) {
    if (builder.length > 0) builder.append('\n');
    builder.appendMapped(run.lines.join('\n'), { kind: 'lines', firstLine: run.firstLine });
  }
  const { text, segments } = builder.finish();
  return {
    format: 'html',
    title: html.title ?? html.firstHeading ?? basename(input.name, extname(input.name)),
    text,
    sourceMap: { segments },
    warnings: decoded.fallback ? [LATIN1_WARNING] : [],
    stats: { bytes: input.bytes.length, chars: text.length, lines: html.lines.length },
  };
}
