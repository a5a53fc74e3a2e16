/**
 * Options of `extract()` and the limits every extractor enforces (the too-long policy: a document
 * over a limit is refused with TOO_LARGE, never silently truncated).
 */
import type { ExtractProgress } from './types.js';

/** Size limits of one extraction. */
export interface ExtractLimits {
  /** Longest extracted text accepted, in UTF-16 code units. Default 16 Mi (16,777,216). */
  maxChars?: number;
  /** Codebase: files larger than this are skipped (reason `too-large`). Default 1 MiB. */
  maxFileBytes?: number;
  /** Codebase: refuse the folder (TOO_LARGE) once the text files read pass this many bytes. Default 64 MiB. */
  maxTotalBytes?: number;
}

/** Options of `extract()`. */
export interface ExtractOptions {
  /** Cancels the extraction; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Progress events: `scan` (codebase walk, `total` 0 = unknown) then `extract` (`done`/`total` pages, chapters or files). */
  onProgress?: (progress: ExtractProgress) => void;
  /** Size limits; each field has its own default. */
  limits?: ExtractLimits;
}

/** Limits with every default filled in. */
export type ResolvedLimits = Required<ExtractLimits>;

/** The default limits (see {@link ExtractLimits}). */
export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxChars: 16 * 1024 * 1024,
  maxFileBytes: 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
});

/** What an extractor receives besides its input: the resolved options. */
export interface ExtractContext {
  signal?: AbortSignal;
  onProgress?: (progress: ExtractProgress) => void;
  limits: ResolvedLimits;
}

/** Fills in defaults and validates each limit (a positive integer), naming the bad field. */
export function resolveLimits(limits: ExtractLimits = {}): ResolvedLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ResolvedLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`limits.${key} must be a positive integer, got ${String(value)}`);
    }
    out[key] = value;
  }
  return out;
}

/** Formats a count with thousands separators (en-US), for messages. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A single file handed to a file extractor: its path, display name and whole content. */
export interface FileInput {
  /** Absolute path. */
  path: string;
  /** File name (for titles and messages). */
  name: string;
  bytes: Uint8Array;
}
