/**
 * Tokenizing a long text off the JS thread: `encodeWithOffsets` of the same vocabulary in a worker
 * thread (the tokenizer is rebuilt there from a structured clone of its TokenizerData, so the
 * result is the one the calling thread would compute), cancellable by terminating the worker. A
 * 10 MB text takes seconds to tokenize; on the JS thread that would freeze the app's main process.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../../binding/loadBinding.js';
import { EngineError, type EngineErrorCode } from '../../errors.js';
import { linkAbort, throwIfAborted } from '../../lifecycle/abort.js';
import type { EncodeJob, EncodeReply } from './encodeWorker.js';
import { LlamaTokenizer, type EncodedText, type EncodeOptions, type Tokenizer } from './Tokenizer.js';

/** An error code posted by the worker, when it is one of ours (upper-case words), else TOKENIZER_ERROR. */
const engineCode = (code: string | undefined): EngineErrorCode => (code && /^[A-Z_]+$/.test(code) ? (code as EngineErrorCode) : 'TOKENIZER_ERROR');

/** The compiled worker script: next to this module when it runs from dist/, else the built one. */
function workerScript(): string | undefined {
  const here = fileURLToPath(new URL('./encodeWorker.js', import.meta.url));
  const built = join(packageRoot(), 'dist', 'engine', 'model', 'tokenizer', 'encodeWorker.js');
  return [here, built].find((p) => existsSync(p));
}

/**
 * `tokenizer.encodeWithOffsets(text, options)` computed in a worker thread. Falls back to the
 * calling thread for tokenizers that are not a LlamaTokenizer (test fakes) and when the worker
 * script is not built. Rejects with the signal's reason when it fires (the worker is terminated).
 * @throws EngineError TOKENIZER_ERROR (or the tokenizer's own code) when encoding fails
 */
export async function encodeWithOffsetsInWorker(
  tokenizer: Tokenizer,
  text: string,
  options: EncodeOptions,
  signal?: AbortSignal,
): Promise<EncodedText> {
  throwIfAborted(signal);
  const script = workerScript();
  if (!(tokenizer instanceof LlamaTokenizer) || script === undefined) return tokenizer.encodeWithOffsets(text, options);
  const job: EncodeJob = { data: tokenizer.data, text, options };
  const worker = new Worker(script, { workerData: job });
  let unlink = () => {};
  try {
    return await new Promise<EncodedText>((resolve, reject) => {
      unlink = linkAbort(signal, () => reject(signal!.reason));
      worker.once('message', (reply: EncodeReply) => {
        if ('error' in reply) reject(new EngineError(engineCode(reply.error.code), reply.error.message));
        else resolve({ ids: Array.from(reply.ids), offsets: reply.offsets });
      });
      worker.once('error', (err) => reject(new EngineError('TOKENIZER_ERROR', `the tokenizer worker failed: ${err.message}`, { cause: err })));
      worker.once('exit', (code) => reject(new EngineError('TOKENIZER_ERROR', `the tokenizer worker exited (code ${code}) without a result`)));
    });
  } finally {
    unlink();
    void worker.terminate(); // done or cancelled: free the thread at once
  }
}
