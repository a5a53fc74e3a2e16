/**
 * Worker-thread entry of encodeInWorker.ts: rebuilds the tokenizer from the TokenizerData it was
 * given (a structured clone of the caller's) and posts back one encodeWithOffsets result, ids and
 * offsets as transferred Int32Arrays, or the error's code and message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LlamaTokenizer, type EncodeOptions } from './Tokenizer.js';
import type { TokenizerData } from './TokenizerData.js';

/** What encodeInWorker.ts sends. */
export interface EncodeJob {
  data: TokenizerData;
  text: string;
  options: EncodeOptions;
}

/** What this worker posts back. */
export type EncodeReply = { ids: Int32Array; offsets: Int32Array } | { error: { code?: string; message: string } };

const job = workerData as EncodeJob;
let reply: EncodeReply;
try {
  const r = new LlamaTokenizer(job.data).encodeWithOffsets(job.text, job.options);
  reply = { ids: Int32Array.from(r.ids), offsets: r.offsets };
} catch (err) {
  const e = err as { code?: unknown; message?: unknown };
  reply = { error: { code: typeof e.code === 'string' ? e.code : undefined, message: String(e.message ?? err) } };
}
const transfer = 'ids' in reply ? [reply.ids.buffer, reply.offsets.buffer] : [];
parentPort?.postMessage(reply, transfer as ArrayBuffer[]);
