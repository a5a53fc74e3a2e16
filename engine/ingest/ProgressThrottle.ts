/**
 * Turns many fine-grained progress points into a steady, monotonic stream of ExtractProgress
 * events: the first and last point of a phase always, and about every 1/200 of the total in between.
 */
import type { ExtractProgress } from './types.js';

/** Scan phase (total unknown): one event per this many entries. */
const SCAN_STEP = 500;
/** Extract phase: about this many events per phase at most (plus first and last). */
const EXTRACT_EVENTS = 200;

/** Reports progress through an optional callback without flooding it. */
export class ProgressThrottle {
  private phase: ExtractProgress['phase'] | undefined;
  private lastDone = -1;

  constructor(private readonly onProgress?: (progress: ExtractProgress) => void) {}

  /**
   * Reports `done` of `total` (`total` 0 = unknown); points that go backwards are dropped.
   * `force` emits even between steps (use it for the last point of a scan).
   */
  report(phase: ExtractProgress['phase'], done: number, total: number, current?: string, force = false): void {
    if (!this.onProgress) return;
    if (phase !== this.phase) {
      this.phase = phase;
      this.lastDone = -1;
    }
    if (done <= this.lastDone) return;
    const step = total > 0 ? Math.max(1, Math.floor(total / EXTRACT_EVENTS)) : SCAN_STEP;
    const edge = force || this.lastDone < 0 || done === total;
    if (!edge && done - this.lastDone < step) return;
    this.lastDone = done;
    this.onProgress(current === undefined ? { phase, done, total } : { phase, done, total, current });
  }
}
