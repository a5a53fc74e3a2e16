/**
 * Accumulates an extracted document's text and its source segments in order, and enforces the
 * maxChars limit while text is added (TOO_LARGE as soon as it is passed, never truncation).
 */
import { EngineError } from '../errors.js';
import { formatCount } from './ExtractOptions.js';
import type { SourceSegment } from './types.js';

/** A segment without its offsets: the builder fills in `start`/`end`. */
export type SegmentOrigin = WithoutOffsets<SourceSegment>;
/** Distributes Omit over the union, so each variant keeps its own fields. */
type WithoutOffsets<S> = S extends unknown ? Omit<S, 'start' | 'end'> : never;

/**
 * The TOO_LARGE error of the too-long policy. `size` describes the document's size in words
 * ("20,123,456 characters", "more than 16,777,216 characters by page 812 of 1,500").
 */
export function tooLargeError(size: string, maxChars: number): EngineError {
  return new EngineError(
    'TOO_LARGE',
    `document is too long: ${size}, over the limit of ${formatCount(maxChars)} characters; ` +
      'raise limits.maxChars (CLI: --max-chars) to extract it',
  );
}

/** Builds `text` and `sourceMap.segments` piece by piece. */
export class DocumentBuilder {
  private readonly parts: string[] = [];
  private readonly segs: SourceSegment[] = [];
  private size = 0;

  /**
   * @param maxChars the limit; passing it throws TOO_LARGE
   * @param describeSize called with the size reached when the limit is passed; returns the size
   *   phrase of the message (default: "more than N characters")
   */
  constructor(
    private readonly maxChars: number,
    private readonly describeSize: (charsSoFar: number) => string = (n) => `more than ${formatCount(n - 1)} characters`,
  ) {}

  /** Characters added so far. */
  get length(): number {
    return this.size;
  }

  /** Appends text that maps to no source location (separators, file headers). */
  append(text: string): void {
    this.grow(text.length);
    if (text.length > 0) this.parts.push(text);
  }

  /** Appends text that comes from `origin`; empty text adds no segment. */
  appendMapped(text: string, origin: SegmentOrigin): void {
    if (text.length === 0) return;
    const start = this.size;
    this.grow(text.length);
    this.parts.push(text);
    this.segs.push({ ...origin, start, end: this.size } as SourceSegment);
  }

  /** The text and segments; the builder must not be used afterwards. */
  finish(): { text: string; segments: SourceSegment[] } {
    const text = this.parts.join('');
    this.parts.length = 0;
    return { text, segments: this.segs };
  }

  private grow(n: number): void {
    if (this.size + n > this.maxChars) throw tooLargeError(this.describeSize(this.size + n), this.maxChars);
    this.size += n;
  }
}
