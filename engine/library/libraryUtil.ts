/**
 * Small helpers of the library service: fs error mapping, checks of what the extractor returned
 * and of user-given titles, and folder sizes.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import type { ExtractedDocument } from '../ingest/types.js';
import { DOCUMENT_FORMATS } from './documentRecord.js';
import type { DocumentEntry } from './types.js';

/** Result of looking up an entry folder. */
export type Probe =
  | { state: 'missing' }
  | { state: 'ok'; entry: DocumentEntry }
  | { state: 'broken'; error: EngineError };

/** True for ENOENT / ENOTDIR. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Wraps an fs error as EngineError FILE_NOT_FOUND (missing) or IO_ERROR; EngineErrors pass unchanged. */
export function fsError(what: string, err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError(isMissing(err) ? 'FILE_NOT_FOUND' : 'IO_ERROR', `${what}: ${message}`, { cause: err });
}

/** Checks the shape of an extractor result before it is stored. @throws EngineError EXTRACT_ERROR */
export function checkExtracted(doc: ExtractedDocument, path: string): ExtractedDocument {
  const ok =
    typeof doc === 'object' &&
    doc !== null &&
    typeof doc.text === 'string' &&
    typeof doc.title === 'string' &&
    DOCUMENT_FORMATS.includes(doc.format) &&
    Array.isArray(doc.sourceMap?.segments) &&
    Array.isArray(doc.warnings) &&
    typeof doc.stats === 'object' &&
    doc.stats !== null;
  if (!ok) throw new EngineError('EXTRACT_ERROR', `the extractor returned an invalid result for ${path}`);
  return doc;
}

const MAX_TITLE = 1000;
// C0 and C1 control characters (tabs and newlines included): a title is one line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Normalises a user-given title (NFC, trimmed). @throws EngineError INVALID_ARGUMENT */
export function checkTitle(title: unknown): string {
  if (typeof title !== 'string') throw new EngineError('INVALID_ARGUMENT', 'the title must be a string');
  const clean = title.normalize('NFC').trim();
  if (clean.length === 0) throw new EngineError('INVALID_ARGUMENT', 'the title must not be empty');
  if (clean.length > MAX_TITLE) throw new EngineError('INVALID_ARGUMENT', `the title is longer than ${MAX_TITLE} characters`);
  if (CONTROL.test(clean)) throw new EngineError('INVALID_ARGUMENT', 'the title must not contain control characters or line breaks');
  return clean;
}

/** Total bytes of the regular files under `dir` (recursive; unreadable parts count 0). */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await directorySize(p);
    else if (e.isFile()) total += await stat(p).then((s) => s.size, () => 0);
  }
  return total;
}
