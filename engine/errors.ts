/**
 * Typed errors of the engine. Every failure a user can cause (bad file, unsupported model,
 * invalid option, cancellation) surfaces as an {@link EngineError} with a stable `code`; the
 * native layer uses the same codes (native/src/ifl-error.h).
 */

/** Stable error codes shared with the native core (`ifl::status_name`). */
export type EngineErrorCode =
  | 'FILE_NOT_FOUND'
  | 'IS_DIRECTORY'
  | 'IO_ERROR'
  | 'EMPTY_FILE'
  | 'GGUF_BAD_MAGIC'
  | 'GGUF_UNSUPPORTED_VERSION'
  | 'GGUF_TRUNCATED'
  | 'GGUF_CORRUPT'
  | 'GGUF_MISALIGNED'
  | 'UNSUPPORTED_TENSOR_TYPE'
  | 'UNSUPPORTED_ARCHITECTURE'
  | 'MISSING_TENSOR'
  | 'BAD_TENSOR_SHAPE'
  | 'BAD_METADATA'
  | 'INVALID_ARGUMENT'
  | 'OUT_OF_MEMORY'
  | 'CANCELLED'
  | 'DISPOSED'
  | 'BUSY'
  | 'MEMORY_MISMATCH'
  | 'MEMORY_CORRUPT'
  | 'NATIVE_UNAVAILABLE'
  | 'TOKENIZER_ERROR'
  | 'TEMPLATE_ERROR'
  | 'EXTRACT_ERROR'
  | 'UNSUPPORTED_FORMAT'
  | 'NO_TEXT'
  | 'ENCRYPTED'
  | 'TOO_LARGE'
  | 'LIBRARY_ERROR'
  | 'INTERNAL';

/** An error a user can act on; `code` is stable, `message` is written for humans. */
export class EngineError extends Error {
  override readonly name: string = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown by every method of a disposed object. */
export class DisposedError extends EngineError {
  override readonly name = 'DisposedError';
  constructor(what: string) {
    super('DISPOSED', `${what} has been disposed`);
  }
}

/** Converts an error thrown by the native addon (an Error with a string `code`) to EngineError. */
export function fromNativeError(err: unknown): unknown {
  if (err instanceof EngineError) return err;
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'string') {
    const code = (err as unknown as { code: string }).code as EngineErrorCode;
    if (err instanceof TypeError) return err;
    return new EngineError(code, err.message, { cause: err });
  }
  return err;
}

/** Calls `fn` and rethrows native errors as EngineError. */
export function wrapNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromNativeError(err);
  }
}

/** Awaits `p` and rethrows native errors as EngineError. */
export async function wrapNativeAsync<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw fromNativeError(err);
  }
}
