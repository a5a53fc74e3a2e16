/**
 * A FIFO async lock: operations on one object (a session) run one at a time, in call order.
 * A waiter whose AbortSignal fires leaves the queue with the signal's reason; close() (dispose)
 * rejects every waiter and every later acquire with the given error.
 */

interface Waiter {
  grant(): void;
  reject(err: unknown): void;
}

/** The lock itself; see {@link withLock}. */
export class AsyncLock {
  private held = false;
  private readonly waiters: Waiter[] = [];
  private closedWith: { error: unknown } | undefined;

  /** True while an operation holds the lock. */
  get busy(): boolean {
    return this.held;
  }

  /** Number of operations waiting behind the holder. */
  get queued(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with a release function once the lock is ours. Rejects with `signal.reason` if the
   * signal fires while waiting (or has fired), and with the close error once closed.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.closedWith) return Promise.reject(this.closedWith.error);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.held) {
      this.held = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Rejects every waiter and every later acquire with `error`. The current holder keeps the lock until it releases. */
  close(error: unknown): void {
    if (this.closedWith) return;
    this.closedWith = { error };
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.held = false;
    };
  }
}

/** Runs `fn` while holding `lock` (waiting in FIFO order first); releases it however `fn` ends. */
export async function withLock<T>(lock: AsyncLock, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  const release = await lock.acquire(signal);
  try {
    return await fn();
  } finally {
    release();
  }
}
