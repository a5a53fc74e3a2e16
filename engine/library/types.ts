/**
 * Types of the document library: the record stored as document.json, what list() returns for
 * entries that cannot be read, saved memories, and the injected extractor.
 */
import type { EngineErrorCode } from '../errors.js';
import type { DocumentFormat, ExtractedDocument, ExtractProgress } from '../ingest/types.js';

/** Where a document came from when it was added (or last found). */
export interface DocumentSource {
  /** Absolute path of the file or folder. */
  path: string;
  kind: 'file' | 'folder';
  /** File: its size in bytes. Folder: UTF-8 bytes of the extracted text. */
  size: number;
  /** Modification time of the file or folder when it was added, ms since the epoch. */
  mtimeMs: number;
}

/** One library entry: the content of `<root>/documents/<id>/document.json`. */
export interface DocumentEntry {
  /** Version of this record's layout ({@link import('./documentRecord.js').DOCUMENT_SCHEMA}). */
  schema: number;
  /** 16 lowercase hex characters: the start of the content hash. */
  id: string;
  title: string;
  source: DocumentSource;
  format: DocumentFormat;
  /** "sha256:<64 hex>": of the file bytes, or for a folder of `format + "\0" + text`. */
  contentHash: string;
  /** ISO 8601 timestamps. */
  addedAt: string;
  updatedAt: string;
  stats: Record<string, number>;
  warnings: string[];
  /** File names inside the entry's folder. */
  textFile: string;
  sourceMapFile: string;
}

/** A folder under documents/ whose document.json cannot be used; the rest of the library still works. */
export interface BrokenEntry {
  id: string;
  /** Absolute path of the entry's folder (so the user can inspect or delete it). */
  dir: string;
  /** LIBRARY_ERROR (corrupt, missing file, newer schema) or IO_ERROR (unreadable). */
  code: EngineErrorCode;
  /** Why, for humans. */
  reason: string;
}

/** What {@link import('./LibraryService.js').LibraryService.list} returns. */
export interface LibraryListing {
  /** Readable entries, sorted as asked. */
  documents: DocumentEntry[];
  /** Entries that cannot be read, sorted by id. */
  broken: BrokenEntry[];
}

/** One saved InfLLM memory of a document: `memories/<modelHash>-<configHash>/`. */
export interface MemoryInfo {
  modelHash: string;
  configHash: string;
  /** Absolute path of the memory folder. */
  dir: string;
  /** Total bytes of the files in the folder (recursive). */
  bytes: number;
  /** Modification time of the folder, ms since the epoch. */
  mtimeMs: number;
}

/** Options of a long extraction (the subset the library passes on). */
export interface LibraryExtractOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ExtractProgress) => void;
}

/** The extractor the library is given (engine/ingest): file or folder path → text + source map. */
export type Extractor = (path: string, options: LibraryExtractOptions) => Promise<ExtractedDocument>;

/** Progress of {@link import('./LibraryService.js').LibraryService.add}: hashing, extraction, storing. */
export type AddProgress = ExtractProgress | { phase: 'hash' | 'store'; done: number; total: number };

/** Options of add(). */
export interface AddOptions {
  /** Aborting rejects with the signal's reason and leaves the library unchanged. */
  signal?: AbortSignal;
  onProgress?: (progress: AddProgress) => void;
}

/** Sort order of list(): 'addedAt' = newest first (default), 'title' = A→Z (locale, numeric). */
export type LibrarySort = 'addedAt' | 'title';
