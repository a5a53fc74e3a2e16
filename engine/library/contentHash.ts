/**
 * Content hashes that identify library entries: sha256 of a file's bytes (streamed, abortable),
 * or for a folder sha256 of its extracted text plus format. Written as "sha256:<64 hex>".
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { DocumentFormat } from '../ingest/types.js';

/** Options of {@link hashFile}. */
export interface HashFileOptions {
  /** Aborting rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each chunk with bytes hashed so far. */
  onProgress?: (done: number) => void;
}

/** sha256 of the bytes of the file at `path`, streamed in 1 MiB chunks. Rejects with fs errors as is. */
export async function hashFile(path: string, options: HashFileOptions = {}): Promise<string> {
  options.signal?.throwIfAborted();
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1 << 20, signal: options.signal });
  let done = 0;
  try {
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      done += (chunk as Buffer).length;
      options.onProgress?.(done);
    }
  } catch (err) {
    // A stream aborted by the signal rejects with an AbortError; rethrow the signal's own reason.
    options.signal?.throwIfAborted();
    throw err;
  }
  return `sha256:${hash.digest('hex')}`;
}

/** sha256 of `format + "\0" + text` (UTF-8): the identity of an extracted folder. */
export function hashExtracted(format: DocumentFormat, text: string): string {
  return `sha256:${createHash('sha256').update(format).update('\0').update(text, 'utf8').digest('hex')}`;
}
