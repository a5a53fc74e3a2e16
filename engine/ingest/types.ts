/**
 * What every extractor returns: the document's text plus a source map from character offsets
 * to places in the source (page, chapter, line, file:line). Shared by extractors, the library
 * and the ingest job.
 */

/** The formats the extractors understand. */
export type DocumentFormat = 'pdf' | 'epub' | 'text' | 'markdown' | 'html' | 'codebase';

/**
 * One stretch of the extracted text and where it came from. `start`/`end` are offsets into the
 * extracted text in UTF-16 code units (JS string indices), end exclusive.
 */
export type SourceSegment =
  /** PDF: text of one page (1-based page number). */
  | { kind: 'page'; start: number; end: number; page: number }
  /** EPUB: one spine item (0-based spine index), with its title and href inside the archive. */
  | { kind: 'chapter'; start: number; end: number; index: number; title: string; href: string }
  /** Text / Markdown / HTML: text[start, end) begins at 1-based source line `firstLine`. */
  | { kind: 'lines'; start: number; end: number; firstLine: number }
  /** Codebase: one file's content; text[start, end) begins at line `firstLine` of `path` (relative, '/'-separated). */
  | { kind: 'file'; start: number; end: number; path: string; firstLine: number };

/** Segments sorted by `start`, non-overlapping. Text between segments (e.g. file header lines) maps to no location. */
export interface SourceMap {
  segments: SourceSegment[];
}

/** Result of extracting one document. */
export interface ExtractedDocument {
  format: DocumentFormat;
  /** Title for the library (PDF/EPUB metadata, first heading, file or folder name). */
  title: string;
  text: string;
  sourceMap: SourceMap;
  /** Things the user should know (Latin-1 fallback used, files skipped, …). */
  warnings: string[];
  /** Format-specific counts (pages, chapters, files, skipped files, bytes read, …). */
  stats: Record<string, number>;
}

/** Progress of a long extraction. */
export interface ExtractProgress {
  phase: 'scan' | 'extract';
  done: number;
  total: number;
  /** What is being read now (page number, file path). */
  current?: string;
}
