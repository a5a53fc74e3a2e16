/**
 * Lifecycle of a disposable engine object. After dispose() starts, check() and run() throw
 * DisposedError. dispose() first calls the owner's `interrupt` step (e.g. abort the running
 * generation), waits until every operation started through run() has settled, then calls
 * `release` (free native memory) exactly once. Later dispose() calls return the same promise.
 */
import { DisposedError } from '../errors.js';

/** Disposed flag, in-flight tracking and a one-time release (see the file comment). */
export class DisposeGuard {
  private readonly inFlight = new Set<Promise<unknown>>();
  private disposing: Promise<void> | undefined;

  /** @param what how error messages name the object ("session", "model"). */
  constructor(private readonly what: string) {}

  /** True once dispose() has been called. */
  get disposed(): boolean {
    return this.disposing !== undefined;
  }

  /** A fresh DisposedError naming the object. */
  error(): DisposedError {
    return new DisposedError(this.what);
  }

  /** Throws DisposedError once dispose() has been called. */
  check(): void {
    if (this.disposing) throw this.error();
  }

  /** Runs `fn` as a tracked operation (dispose waits for it). Rejects with DisposedError if disposed. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.disposing) return Promise.reject(this.error());
    let p: Promise<T>;
    try {
      p = fn();
    } catch (err) {
      p = Promise.reject(err);
    }
    const settled = p.then(
      () => {},
      () => {},
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return p;
  }

  /**
   * Disposes once: marks the object disposed, calls `interrupt`, awaits in-flight operations
   * (their errors are theirs to report), then awaits `release`.
   */
  dispose(interrupt: () => void, release: () => void | Promise<void>): Promise<void> {
    if (!this.disposing) {
      this.disposing = (async () => {
        interrupt();
        while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
        await release();
      })();
    }
    return this.disposing;
  }
}
