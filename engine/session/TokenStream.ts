/**
 * The async-iterable face of a generation: token events are queued as the generation produces
 * them and handed out in order; `result` settles with the generation. Leaving a `for await`
 * early (break, return, throw) stops the generation (it then resolves with stopReason 'abort').
 */
import type { GenerateResult, TokenEvent } from './types.js';

/** What Session.generateStream returns. */
export interface TokenStream extends AsyncIterable<TokenEvent> {
  /** The final result (also rejects with the generation's error). */
  readonly result: Promise<GenerateResult>;
}

/**
 * Builds a TokenStream around `start(onToken, stopSignal)`, which must start the generation,
 * call onToken per token and honour stopSignal with stopOnAbort semantics.
 */
export function createTokenStream(
  start: (onToken: (e: TokenEvent) => void, stopSignal: AbortSignal) => Promise<GenerateResult>,
): TokenStream {
  const queue: TokenEvent[] = [];
  const stopper = new AbortController();
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  const result = start(
    (e) => {
      queue.push(e);
      wake?.();
    },
    stopper.signal,
  );
  result.then(
    () => {
      finished = true;
      wake?.();
    },
    (error) => {
      finished = true;
      failure = { error };
      wake?.();
    },
  );
  const iterator: AsyncIterator<TokenEvent> = {
    async next() {
      for (;;) {
        if (queue.length > 0) return { value: queue.shift() as TokenEvent, done: false };
        if (failure) throw failure.error;
        if (finished) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    async return() {
      if (!finished) stopper.abort(new Error('the token stream was closed'));
      await result.catch(() => {});
      return { value: undefined, done: true };
    },
  };
  return { result, [Symbol.asyncIterator]: () => iterator };
}
