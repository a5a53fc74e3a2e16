/**
 * Progress reporting with the guarantees every `onProgress` option promises: values in [0, 1],
 * never decreasing, no repeats, and a final call with exactly 1 on success. An exception thrown
 * by the user's callback is kept (the operation should stop and rethrow it), never lost.
 */

/** Wraps an onProgress callback with the guarantees above. */
export class ProgressReporter {
  private last = -1;
  private failure: { error: unknown } | undefined;

  /** @param onProgress the user's callback (optional); @param onError called once if it throws. */
  constructor(
    private readonly onProgress: ((fraction: number) => void) | undefined,
    private readonly onError: () => void = () => {},
  ) {}

  /** Reports `fraction` (clamped to [0, 1]) if it is larger than the last value reported. */
  report = (fraction: number): void => {
    if (!this.onProgress || this.failure || !(fraction > this.last)) return;
    const f = Math.min(1, Math.max(0, fraction));
    if (f <= this.last) return;
    this.last = f;
    try {
      this.onProgress(f);
    } catch (error) {
      this.failure = { error };
      this.onError();
    }
  };

  /** Reports 1 unless it has been reported. */
  finish(): void {
    this.report(1);
  }

  /** Throws the callback's exception, if it threw. */
  rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}
