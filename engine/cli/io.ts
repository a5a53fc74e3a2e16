/** Small stream helpers shared by CLI commands. */
import type { CliIo } from './types.js';

/** Reads all of stdin as a Buffer. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Writes text and waits until it has been handed to the OS (or the stream closed). */
export function write(stream: NodeJS.WritableStream, text: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.write(text)) stream.once('drain', () => resolve());
    else resolve();
  });
}

/** Writes one JSON value and a newline to stdout. */
export function writeJson(io: CliIo, value: unknown): Promise<void> {
  return write(io.stdout, JSON.stringify(value) + '\n');
}
