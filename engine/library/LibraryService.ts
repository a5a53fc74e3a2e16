/**
 * The document library: one folder per document under `<root>/documents/<id>/` holding
 * document.json, the extracted text, its source map and (later) saved InfLLM memories. Entries
 * are identified by content hash, so the same content is stored once. Every write is atomic
 * (engine/lifecycle/atomicWrite.ts): new entries are assembled in `<root>/.tmp/` and renamed into
 * place, deletions rename into `.tmp/` first, and `.tmp/` is emptied on open. An entry whose
 * document.json cannot be used is listed under `broken` with the reason; it never breaks the rest.
 */
import type { Stats } from 'node:fs';
import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EngineError } from '../errors.js';
import type { ExtractedDocument, SourceMap } from '../ingest/types.js';
import {
  cleanTempFiles,
  cleanTempRoot,
  commitDir,
  createStagingDir,
  jsonFileText,
  nodeAtomicFs,
  removeDirAtomic,
  writeJsonAtomic,
  type AtomicFs,
} from '../lifecycle/atomicWrite.js';
import { hashExtracted, hashFile } from './contentHash.js';
import {
  DOCUMENT_FILE,
  DOCUMENT_ID,
  DOCUMENT_SCHEMA,
  NewerSchemaError,
  SOURCEMAP_FILE,
  TEXT_FILE,
  idFromHash,
  parseDocumentRecord,
} from './documentRecord.js';
import { checkExtracted, checkTitle, fsError, isMissing, type Probe } from './libraryUtil.js';
import { listMemoryDirs, memoryPath } from './memories.js';
import { KeyedMutex } from './keyedMutex.js';
import type { AddOptions, DocumentEntry, Extractor, LibraryListing, LibrarySort, MemoryInfo } from './types.js';

/** Options of {@link LibraryService.open}. */
export interface LibraryServiceOptions {
  /** The app data folder. Documents go to `<root>/documents`, staging to `<root>/.tmp`. Created if missing. */
  root: string;
  /** Turns a file or folder into text + source map (engine/ingest `extract`). */
  extract: Extractor;
  /** File-system steps of atomic writes (default: node:fs). Tests inject failures here. */
  fs?: AtomicFs;
  /** Clock for addedAt/updatedAt, ms since the epoch (default Date.now). */
  now?: () => number;
  /** Receives problems that do not fail an operation (leftovers that could not be deleted). Default: ignored. */
  onWarning?: (message: string) => void;
}

/** The document library over one root folder. Create it with {@link LibraryService.open}. */
export class LibraryService {
  private readonly locks = new KeyedMutex();
  private readonly fs: AtomicFs;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly documentsRoot: string;
  private readonly tmpRoot: string;

  private constructor(
    /** Absolute path of the library root. */
    readonly root: string,
    private readonly extract: Extractor,
    options: LibraryServiceOptions,
  ) {
    this.fs = options.fs ?? nodeAtomicFs;
    this.now = options.now ?? Date.now;
    this.warn = options.onWarning ?? (() => undefined);
    this.documentsRoot = join(root, 'documents');
    this.tmpRoot = join(root, '.tmp');
  }

  /**
   * Opens (creating if needed) the library at `options.root`, deleting what an interrupted
   * write left behind: everything in `.tmp/` and temp files inside entry folders. Only one
   * LibraryService per root may be open at a time (the cleanup assumes no other writer).
   * @throws EngineError IO_ERROR when the root cannot be created or read
   */
  static async open(options: LibraryServiceOptions): Promise<LibraryService> {
    const service = new LibraryService(resolve(options.root), options.extract, options);
    await service.recover();
    return service;
  }

  private async recover(): Promise<void> {
    try {
      await this.fs.mkdir(this.documentsRoot);
      const { failed } = await cleanTempRoot(this.tmpRoot, { fs: this.fs });
      for (const path of failed) this.warn(`could not delete the leftover ${path}`);
      for (const id of await this.entryIds(true)) await cleanTempFiles(this.documentDir(id), { fs: this.fs });
    } catch (err) {
      throw fsError(`cannot open the library at ${this.root}`, err);
    }
  }

  /** Names of the entry folders under documents/; others are ignored (with a warning when `warn`, at open). */
  private async entryIds(warn = false): Promise<string[]> {
    const ids: string[] = [];
    for (const d of await readdir(this.documentsRoot, { withFileTypes: true })) {
      if (d.isDirectory() && DOCUMENT_ID.test(d.name)) ids.push(d.name);
      else if (warn) this.warn(`ignoring ${join(this.documentsRoot, d.name)}: not a library entry`);
    }
    return ids;
  }

  // --- paths ---------------------------------------------------------------------------------

  /** Absolute path of an entry's folder. @throws EngineError INVALID_ARGUMENT for a malformed id */
  documentDir(id: string): string {
    if (typeof id !== 'string' || !DOCUMENT_ID.test(id)) {
      throw new EngineError('INVALID_ARGUMENT', `"${String(id)}" is not a document id (16 hex characters)`);
    }
    return join(this.documentsRoot, id);
  }

  /**
   * Path of the folder for a memory of document `id` built with a model and a configuration
   * (`<dir>/memories/<modelHash>-<configHash>`). Creates nothing; hashes are 1–128 of [A-Za-z0-9_].
   * @throws EngineError INVALID_ARGUMENT
   */
  memoryDir(id: string, modelHash: string, configHash: string): string {
    return memoryPath(this.documentDir(id), modelHash, configHash);
  }

  // --- reading -------------------------------------------------------------------------------

  private async probe(id: string): Promise<Probe> {
    const dir = this.documentDir(id);
    let text: string;
    try {
      text = await readFile(join(dir, DOCUMENT_FILE), 'utf8');
    } catch (err) {
      if (isMissing(err)) {
        if (!(await lstat(dir).then(() => true, () => false))) return { state: 'missing' };
        return { state: 'broken', error: new EngineError('LIBRARY_ERROR', `library entry ${id} is damaged: document.json is missing`) };
      }
      return { state: 'broken', error: fsError(`cannot read library entry ${id}`, err) };
    }
    try {
      const entry = parseDocumentRecord(id, text);
      for (const file of [entry.textFile, entry.sourceMapFile]) {
        if (!(await stat(join(dir, file)).then((s) => s.isFile(), () => false))) {
          throw new EngineError('LIBRARY_ERROR', `library entry ${id} is damaged: ${file} is missing`);
        }
      }
      return { state: 'ok', entry };
    } catch (err) {
      return { state: 'broken', error: err instanceof EngineError ? err : fsError(`cannot read library entry ${id}`, err) };
    }
  }

  /** The entry `id`. @throws EngineError LIBRARY_ERROR (unknown id, damaged, newer schema), INVALID_ARGUMENT */
  async get(id: string): Promise<DocumentEntry> {
    const found = await this.probe(id);
    if (found.state === 'ok') return found.entry;
    if (found.state === 'broken') throw found.error;
    throw new EngineError('LIBRARY_ERROR', `there is no document with id ${id} in the library (was it removed?)`);
  }

  /**
   * Every entry: readable ones in `documents` (sorted by `sortBy`, default 'addedAt' = newest
   * first; 'title' = A→Z), unreadable ones in `broken` with the reason (sorted by id).
   */
  async list(options: { sortBy?: LibrarySort } = {}): Promise<LibraryListing> {
    let ids: string[];
    try {
      ids = await this.entryIds();
    } catch (err) {
      throw fsError(`cannot read the library at ${this.root}`, err);
    }
    const probes = await Promise.all(ids.map(async (id) => [id, await this.probe(id)] as const));
    const listing: LibraryListing = { documents: [], broken: [] };
    for (const [id, p] of probes) {
      if (p.state === 'ok') listing.documents.push(p.entry);
      else if (p.state === 'broken') listing.broken.push({ id, dir: this.documentDir(id), code: p.error.code, reason: p.error.message });
    }
    const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
    listing.documents.sort((a, b) =>
      options.sortBy === 'title'
        ? collator.compare(a.title, b.title) || a.id.localeCompare(b.id)
        : b.addedAt.localeCompare(a.addedAt) || a.id.localeCompare(b.id),
    );
    listing.broken.sort((a, b) => a.id.localeCompare(b.id));
    return listing;
  }

  /** The extracted text of entry `id`. @throws EngineError LIBRARY_ERROR, IO_ERROR */
  async readText(id: string): Promise<string> {
    const entry = await this.get(id);
    try {
      return await readFile(join(this.documentDir(id), entry.textFile), 'utf8');
    } catch (err) {
      throw fsError(`cannot read the text of library entry ${id}`, err);
    }
  }

  /** The source map of entry `id`. @throws EngineError LIBRARY_ERROR (damaged), IO_ERROR */
  async readSourceMap(id: string): Promise<SourceMap> {
    const entry = await this.get(id);
    let text: string;
    try {
      text = await readFile(join(this.documentDir(id), entry.sourceMapFile), 'utf8');
    } catch (err) {
      throw fsError(`cannot read the source map of library entry ${id}`, err);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as SourceMap).segments)) {
      throw new EngineError('LIBRARY_ERROR', `library entry ${id} is damaged: ${entry.sourceMapFile} is not a source map`);
    }
    return parsed as SourceMap;
  }

  /** Saved memories of entry `id`, newest first. @throws EngineError LIBRARY_ERROR for an unknown id */
  async listMemories(id: string): Promise<MemoryInfo[]> {
    const dir = this.documentDir(id);
    if (!(await lstat(dir).then(() => true, () => false))) await this.get(id);
    return listMemoryDirs(dir, id);
  }

  // --- writing -------------------------------------------------------------------------------

  /**
   * Adds the file or folder at `path` and returns its entry. The same content (even from another
   * path, even added concurrently) gives the same entry; its recorded source is updated when the
   * recorded file has moved away. Files are hashed before extraction, so a known file is not
   * extracted again. Abort rejects with the signal's reason and leaves the library unchanged.
   * @throws EngineError FILE_NOT_FOUND, IO_ERROR, LIBRARY_ERROR, extractor errors (EXTRACT_ERROR, …)
   */
  async add(path: string, options: AddOptions = {}): Promise<DocumentEntry> {
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    const abs = resolve(path);
    let st: Stats;
    try {
      st = await stat(abs);
    } catch (err) {
      throw fsError(isMissing(err) ? `there is no file or folder at ${abs}` : `cannot read ${abs}`, err);
    }
    if (st.isFile()) {
      let hash: string;
      try {
        hash = await hashFile(abs, { signal, onProgress: (done) => onProgress?.({ phase: 'hash', done, total: st.size }) });
      } catch (err) {
        if (signal?.aborted && err === signal.reason) throw err;
        throw fsError(`cannot read ${abs}`, err);
      }
      return this.locks.run(idFromHash(hash), () => this.addLocked(abs, st, hash, undefined, options));
    }
    if (!st.isDirectory()) throw new EngineError('IO_ERROR', `${abs} is neither a file nor a folder`);
    const extracted = checkExtracted(await this.extract(abs, { signal, onProgress }), abs);
    const hash = hashExtracted(extracted.format, extracted.text);
    return this.locks.run(idFromHash(hash), () => this.addLocked(abs, st, hash, extracted, options));
  }

  private async addLocked(
    abs: string,
    st: Stats,
    hash: string,
    extracted: ExtractedDocument | undefined,
    options: AddOptions,
  ): Promise<DocumentEntry> {
    const id = idFromHash(hash);
    const found = await this.probe(id);
    if (found.state === 'ok') return this.updateSourceIfMoved(found.entry, abs, st);
    if (found.state === 'broken' && found.error instanceof NewerSchemaError) throw found.error;
    const doc = extracted ?? checkExtracted(await this.extract(abs, { signal: options.signal, onProgress: options.onProgress }), abs);
    const now = new Date(this.now()).toISOString();
    const entry: DocumentEntry = {
      schema: DOCUMENT_SCHEMA,
      id,
      title: doc.title.trim() || basename(abs),
      source: {
        path: abs,
        kind: st.isFile() ? 'file' : 'folder',
        size: st.isFile() ? st.size : Buffer.byteLength(doc.text, 'utf8'),
        mtimeMs: st.mtimeMs,
      },
      format: doc.format,
      contentHash: hash,
      addedAt: now,
      updatedAt: now,
      stats: { ...doc.stats },
      warnings: [...doc.warnings],
      textFile: TEXT_FILE,
      sourceMapFile: SOURCEMAP_FILE,
    };
    const committed = await this.storeNew(entry, doc, found.state === 'broken', options);
    if (committed) return entry;
    // Another process committed the same content between our probe and our rename.
    return this.get(id);
  }

  /** Writes a new entry's folder in .tmp and renames it into place; false if it already exists. */
  private async storeNew(entry: DocumentEntry, doc: ExtractedDocument, replaceBroken: boolean, options: AddOptions): Promise<boolean> {
    const { signal, onProgress } = options;
    const fs = this.fs;
    const staging = await createStagingDir(this.tmpRoot, 'add-', { fs });
    try {
      const files: [string, string][] = [
        [TEXT_FILE, doc.text],
        [SOURCEMAP_FILE, JSON.stringify(doc.sourceMap)],
        // document.json last: a staging folder without it is never mistaken for an entry.
        [DOCUMENT_FILE, jsonFileText(entry)],
      ];
      for (const [i, [name, data]] of files.entries()) {
        onProgress?.({ phase: 'store', done: i, total: files.length });
        signal?.throwIfAborted();
        await fs.writeFileSynced(join(staging, name), data);
      }
      signal?.throwIfAborted();
      const finalDir = this.documentDir(entry.id);
      if (replaceBroken) await removeDirAtomic(finalDir, this.tmpRoot, { fs });
      const committed = await commitDir(staging, finalDir, { fs });
      onProgress?.({ phase: 'store', done: files.length, total: files.length });
      if (!committed) await fs.rm(staging).catch(() => undefined);
      return committed;
    } catch (err) {
      await fs.rm(staging).catch(() => undefined);
      if (signal?.aborted && err === signal.reason) throw err;
      throw fsError(`cannot store ${entry.source.path} in the library`, err);
    }
  }

  private async updateSourceIfMoved(entry: DocumentEntry, abs: string, st: Stats): Promise<DocumentEntry> {
    if (entry.source.path === abs) return entry;
    const old = await stat(entry.source.path).catch(() => undefined);
    // A file still at its recorded place with its recorded size and time has not moved (it is a copy).
    if (old && (entry.source.kind === 'folder' || (old.size === entry.source.size && old.mtimeMs === entry.source.mtimeMs))) {
      return entry;
    }
    const updated: DocumentEntry = {
      ...entry,
      source: { ...entry.source, path: abs, mtimeMs: st.mtimeMs, ...(st.isFile() ? { size: st.size } : {}) },
      updatedAt: new Date(this.now()).toISOString(),
    };
    await writeJsonAtomic(join(this.documentDir(entry.id), DOCUMENT_FILE), updated, { fs: this.fs });
    return updated;
  }

  /**
   * Sets the title of entry `id` (trimmed, NFC; 1–1000 characters, no control characters).
   * @throws EngineError INVALID_ARGUMENT, LIBRARY_ERROR, IO_ERROR
   */
  async rename(id: string, title: string): Promise<DocumentEntry> {
    const clean = checkTitle(title);
    return this.locks.run(this.checkId(id), async () => {
      const entry = await this.get(id);
      const updated: DocumentEntry = { ...entry, title: clean, updatedAt: new Date(this.now()).toISOString() };
      await writeJsonAtomic(join(this.documentDir(id), DOCUMENT_FILE), updated, { fs: this.fs });
      return updated;
    });
  }

  /**
   * Deletes entry `id` with its text, source map and memories (also a broken entry). The folder
   * disappears in one rename; the files are then deleted (or, after a crash, at the next open).
   * @throws EngineError LIBRARY_ERROR for an unknown id, IO_ERROR
   */
  async remove(id: string): Promise<void> {
    await this.locks.run(this.checkId(id), async () => {
      const removed = await removeDirAtomic(this.documentDir(id), this.tmpRoot, { fs: this.fs });
      if (!removed) throw new EngineError('LIBRARY_ERROR', `there is no document with id ${id} in the library (was it removed?)`);
    });
  }

  private checkId(id: string): string {
    this.documentDir(id);
    return id;
  }
}
