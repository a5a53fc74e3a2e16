/**
 * Stop strings matched across token boundaries. Text arrives in pieces (one per token); a piece
 * is released only when no stop string can start inside it any more: the longest tail of the
 * text seen so far that is a proper prefix of some stop string is held back until later text
 * decides it. When a stop string appears, everything before it is released and nothing after.
 */
import { EngineError } from '../errors.js';

/** Incremental stop-string matcher over text pieces (see the file comment). */
export class StopMatcher {
  private held = '';
  private done = false;

  /** @param stops the stop strings (non-empty); none means every piece is released as it comes. */
  constructor(private readonly stops: readonly string[]) {
    for (const s of stops) {
      if (typeof s !== 'string' || s.length === 0) throw new EngineError('INVALID_ARGUMENT', 'stop strings must be non-empty strings');
    }
  }

  /** True once a stop string has been seen. */
  get stopped(): boolean {
    return this.done;
  }

  /**
   * Adds the next piece of text. Returns the text that is now final, and whether a stop string
   * has just been completed (then `text` ends right before it and later pushes return "").
   */
  push(piece: string): { text: string; stopped: boolean } {
    if (this.done) return { text: '', stopped: true };
    const buffer = this.held + piece;
    let at = -1;
    for (const s of this.stops) {
      const i = buffer.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    if (at >= 0) {
      this.done = true;
      this.held = '';
      return { text: buffer.slice(0, at), stopped: true };
    }
    const keep = this.heldTail(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return { text: buffer.slice(0, buffer.length - keep), stopped: false };
  }

  /** Releases whatever is held back (generation ended without completing a stop string). */
  flush(): string {
    const text = this.done ? '' : this.held;
    this.held = '';
    return text;
  }

  /** Length of the longest tail of `buffer` that is a proper prefix of a stop string. */
  private heldTail(buffer: string): number {
    let best = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, buffer.length); k > best; k--) {
        if (buffer.endsWith(s.slice(0, k))) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
