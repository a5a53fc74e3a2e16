/**
 * The single place for atomic writes on disk. A file is written to a temp file in the same folder,
 * fsynced and renamed over the target; a folder is assembled in a staging folder and renamed into
 * place; a folder is deleted by renaming it into a trash folder first. A crash at any step leaves
 * either the old state, the new state, or leftovers with recognisable temp names, never a
 * half-written file under its final name. The file-system steps go through {@link AtomicFs} so
 * tests can simulate a crash at any one of them.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EngineError } from '../errors.js';

/** The file-system steps atomic writes are made of. Injectable so tests can fail any step. */
export interface AtomicFs {
  /** Creates or truncates `path`, writes all of `data`, fsyncs and closes it. */
  writeFileSynced(path: string, data: string | Uint8Array): Promise<void>;
  /** rename(2): atomic replacement of a file; a folder only onto a missing (or empty) one. */
  rename(from: string, to: string): Promise<void>;
  /** mkdir -p. */
  mkdir(path: string): Promise<void>;
  /** Creates a new uniquely named folder `prefix` + random suffix and returns its path. */
  mkdtemp(prefix: string): Promise<string>;
  /** rm -rf (no error when missing). */
  rm(path: string): Promise<void>;
  /** fsyncs a folder so a rename inside it survives a power loss (no-op where unsupported). */
  fsyncDir(path: string): Promise<void>;
}

/** {@link AtomicFs} on node:fs/promises. */
export const nodeAtomicFs: AtomicFs = {
  async writeFileSynced(path, data) {
    const handle = await fsp.open(path, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => fsp.rename(from, to),
  mkdir: async (path) => {
    await fsp.mkdir(path, { recursive: true });
  },
  mkdtemp: (prefix) => fsp.mkdtemp(prefix),
  rm: (path) => fsp.rm(path, { recursive: true, force: true, maxRetries: 3 }),
  async fsyncDir(path) {
    // Windows cannot open a directory for fsync; its renames are journaled by NTFS instead.
    if (process.platform === 'win32') return;
    const handle = await fsp.open(path, fsConstants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** Options shared by the helpers below. */
export interface AtomicOptions {
  /** File-system steps (default {@link nodeAtomicFs}). */
  fs?: AtomicFs;
}

const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** True for the names {@link writeFileAtomic} gives its temp files (`.<name>.<12 hex>.tmp`). */
export function isAtomicTempName(name: string): boolean {
  return TEMP_FILE.test(name);
}

function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** A fresh temp path next to `path`: `.<name>.<12 hex>.tmp` (see {@link isAtomicTempName}). */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomSuffix()}.tmp`);
}

function ioError(what: string, err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'IO_ERROR';
  return new EngineError(code, `${what}: ${e?.message ?? String(err)}`, { cause: err });
}

/**
 * Writes `data` to `path` atomically: temp file in the same folder, fsync, rename, fsync of the
 * folder. Readers see the old content or the new one, never a mix. The folder must exist.
 * @throws EngineError IO_ERROR / FILE_NOT_FOUND (folder missing)
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicOptions = {}): Promise<void> {
  const fs = options.fs ?? nodeAtomicFs;
  const dir = dirname(path);
  const temp = tempPathFor(path);
  try {
    await fs.writeFileSynced(temp, data);
    await fs.rename(temp, path);
  } catch (err) {
    await fs.rm(temp).catch(() => undefined);
    throw ioError(`cannot write ${path}`, err);
  }
  try {
    await fs.fsyncDir(dir);
  } catch (err) {
    throw ioError(`cannot sync folder ${dir}`, err);
  }
}

/** The text of a JSON file this engine writes: `JSON.stringify(value, null, 2)` plus a final newline. */
export function jsonFileText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** {@link writeFileAtomic} of {@link jsonFileText}(value). */
export async function writeJsonAtomic(path: string, value: unknown, options: AtomicOptions = {}): Promise<void> {
  await writeFileAtomic(path, jsonFileText(value), options);
}

/** A file being written that appears under its final name only on {@link AtomicFileWriter.commit}. */
export interface AtomicFileWriter {
  /** Final path. */
  readonly path: string;
  /** Bytes written so far. */
  readonly bytesWritten: number;
  /** Appends `data` (awaits the write). */
  write(data: Uint8Array): Promise<void>;
  /** fsyncs, closes and renames the temp file over `path`, then fsyncs the folder. */
  commit(): Promise<void>;
  /** Closes and deletes the temp file (safe to call after a failed write or twice). */
  abort(): Promise<void>;
}

/**
 * Opens a temp file next to `path` for a large sequential write (e.g. a multi-GB model written
 * tensor by tensor): nothing is visible under `path` until commit(), and a crash leaves only a
 * `.<name>.<random>.tmp` file ({@link cleanTempFiles} removes those). The folder must exist.
 * @throws EngineError IO_ERROR / FILE_NOT_FOUND
 */
export async function openAtomicFileWriter(path: string): Promise<AtomicFileWriter> {
  const dir = dirname(path);
  const temp = tempPathFor(path);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(temp, 'wx');
  } catch (err) {
    throw ioError(`cannot create ${temp}`, err);
  }
  let written = 0;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle!.close();
  };
  return {
    path,
    get bytesWritten() {
      return written;
    },
    async write(data) {
      try {
        let done = 0;
        while (done < data.length) done += (await handle!.write(data, done, data.length - done)).bytesWritten;
        written += data.length;
      } catch (err) {
        throw ioError(`cannot write ${path}`, err);
      }
    },
    async commit() {
      try {
        await handle!.sync();
        await close();
        await fsp.rename(temp, path);
        await nodeAtomicFs.fsyncDir(dir);
      } catch (err) {
        await fsp.rm(temp, { force: true }).catch(() => undefined);
        throw ioError(`cannot write ${path}`, err);
      }
    },
    async abort() {
      await close().catch(() => undefined);
      await fsp.rm(temp, { force: true }).catch(() => undefined);
    },
  };
}

/**
 * Creates a fresh staging folder `<tmpRoot>/<prefix><random>` (tmpRoot is created if missing).
 * Fill it, then {@link commitDir} it. `prefix` defaults to 'stage-'.
 */
export async function createStagingDir(tmpRoot: string, prefix = 'stage-', options: AtomicOptions = {}): Promise<string> {
  const fs = options.fs ?? nodeAtomicFs;
  try {
    await fs.mkdir(tmpRoot);
    return await fs.mkdtemp(join(tmpRoot, prefix));
  } catch (err) {
    throw ioError(`cannot create a staging folder in ${tmpRoot}`, err);
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Moves a filled staging folder to `finalDir` in one rename (both must be on one file system; keep
 * tmpRoot next to the destination). Returns false, leaving the staging folder alone, when
 * `finalDir` already exists (e.g. another process committed the same entry first).
 * @throws EngineError IO_ERROR for any other failure
 */
export async function commitDir(stagingDir: string, finalDir: string, options: AtomicOptions = {}): Promise<boolean> {
  const fs = options.fs ?? nodeAtomicFs;
  try {
    await fs.fsyncDir(stagingDir);
    if (await pathExists(finalDir)) return false;
    await fs.rename(stagingDir, finalDir);
  } catch (err) {
    // rename onto an existing folder: ENOTEMPTY/EEXIST on POSIX, EPERM on Windows.
    if (await pathExists(finalDir)) return false;
    throw ioError(`cannot move ${stagingDir} to ${finalDir}`, err);
  }
  try {
    await fs.fsyncDir(dirname(finalDir));
  } catch (err) {
    throw ioError(`cannot sync folder ${dirname(finalDir)}`, err);
  }
  return true;
}

/**
 * Deletes a folder so that it disappears at once: renames it to `<trashRoot>/trash-<random>`,
 * then removes that. Returns false when `dir` does not exist. If the removal after the rename
 * fails, the trash folder is left for {@link cleanTempRoot}.
 * @throws EngineError IO_ERROR when the folder cannot be moved
 */
export async function removeDirAtomic(dir: string, trashRoot: string, options: AtomicOptions = {}): Promise<boolean> {
  const fs = options.fs ?? nodeAtomicFs;
  if (!(await pathExists(dir))) return false;
  const trash = join(trashRoot, `trash-${randomSuffix()}`);
  try {
    await fs.mkdir(trashRoot);
    await fs.rename(dir, trash);
  } catch (err) {
    if (!(await pathExists(dir))) return false;
    throw ioError(`cannot remove ${dir}`, err);
  }
  await fs.rm(trash).catch(() => undefined);
  return true;
}

/**
 * Deletes everything inside `tmpRoot` (staging and trash folders left by a crash) and creates it
 * if missing. Call it when nothing else can be using tmpRoot (at open). Entries that cannot be
 * deleted are returned, not thrown.
 */
export async function cleanTempRoot(tmpRoot: string, options: AtomicOptions = {}): Promise<{ removed: number; failed: string[] }> {
  const fs = options.fs ?? nodeAtomicFs;
  await fs.mkdir(tmpRoot);
  let removed = 0;
  const failed: string[] = [];
  for (const name of await fsp.readdir(tmpRoot)) {
    try {
      await fs.rm(join(tmpRoot, name));
      removed++;
    } catch {
      failed.push(join(tmpRoot, name));
    }
  }
  return { removed, failed };
}

/** Deletes the {@link writeFileAtomic} temp files directly inside `dir`; returns how many. */
export async function cleanTempFiles(dir: string, options: AtomicOptions = {}): Promise<number> {
  const fs = options.fs ?? nodeAtomicFs;
  let removed = 0;
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!isAtomicTempName(name)) continue;
    await fs.rm(join(dir, name)).catch(() => undefined);
    removed++;
  }
  return removed;
}
