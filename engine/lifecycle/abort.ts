/**
 * AbortSignal helpers shared by the services: the signal's reason is always rethrown unchanged
 * (never wrapped), listeners are always removed again, and native CANCELLED errors are told
 * apart from real failures.
 */
import { EngineError } from '../errors.js';

/** Throws `signal.reason` (unchanged) when the signal has already fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/**
 * Calls `onAbort` once when `signal` fires (at once if it already has). Returns the function that
 * removes the listener; call it in a `finally`. A missing signal links nothing.
 */
export function linkAbort(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** True for the error native work rejects with when its abort flag fired (code CANCELLED). */
export function isCancelled(err: unknown): boolean {
  return (
    (err instanceof EngineError && err.code === 'CANCELLED') ||
    (err instanceof Error && (err as { code?: unknown }).code === 'CANCELLED')
  );
}
