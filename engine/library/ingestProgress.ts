/**
 * Progress events of an ingest job: phase, done/total, speed and time left. Within a phase `done`
 * never decreases and never repeats, the first and the last point of a phase are always reported,
 * points in between at most every `intervalMs`. An exception from the user's callback is kept and
 * rethrown by the job (it then stops), never lost.
 */

/** The phases of an ingest job, in order. */
export type IngestPhase = 'extract' | 'tokenize' | 'prefill' | 'save';

/** One progress event. */
export interface IngestProgress {
  phase: IngestPhase;
  /** extract: pages/chapters/files; tokenize: characters; prefill: tokens of the stream held; save: steps. */
  done: number;
  total: number;
  /** prefill: tokens per second over this run so far (0 elsewhere and before the first call ends). */
  tokensPerSecond: number;
  /** prefill: seconds left at the current speed (null when unknown or in other phases). */
  etaSeconds: number | null;
}

/** Default minimum time between two events of a phase (first and last excepted), ms. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 250;

/** Emits throttled, monotonic {@link IngestProgress} events. */
export class IngestProgressReporter {
  private phase: IngestPhase | undefined;
  private last = -1;
  private lastAt = 0;
  private rate: { start: number; t0: number } | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly onProgress: ((p: IngestProgress) => void) | undefined,
    private readonly intervalMs = DEFAULT_PROGRESS_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts measuring speed: `done` tokens were already held when this run began. */
  startRate(done: number): void {
    this.rate = { start: done, t0: this.now() };
  }

  /** Reports a point; `force` skips the interval (used for the first and last points). */
  report(phase: IngestPhase, done: number, total: number, force = false): void {
    if (!this.onProgress || this.failure) return;
    if (phase !== this.phase) {
      this.phase = phase;
      this.last = -1;
    }
    if (done <= this.last) return;
    const t = this.now();
    const edge = force || this.last < 0 || done >= total;
    if (!edge && t - this.lastAt < this.intervalMs) return;
    this.last = done;
    this.lastAt = t;
    let tokensPerSecond = 0;
    let etaSeconds: number | null = null;
    if (phase === 'prefill' && this.rate) {
      const seconds = (t - this.rate.t0) / 1000;
      const fed = done - this.rate.start;
      if (seconds > 0 && fed > 0) {
        tokensPerSecond = fed / seconds;
        etaSeconds = Math.max(0, total - done) / tokensPerSecond;
      }
    }
    try {
      this.onProgress({ phase, done, total, tokensPerSecond, etaSeconds });
    } catch (error) {
      this.failure = { error };
    }
  }

  /** Throws what the callback threw, if it did. */
  rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}
