/**
 * One ingest job per memory folder at a time, across processes: a lock file `<memory>.lock` next
 * to the memory folder holds the owner's pid. A lock whose process is gone (crash, kill) is
 * stale and taken over; a live one makes the second job fail with BUSY.
 */
import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';
import { EngineError } from '../errors.js';

/** Suffix of the lock file next to a memory folder. */
export const LOCK_SUFFIX = '.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname() }) + '\n');
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new EngineError('IO_ERROR', `cannot create the lock file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The owner recorded in a lock file, or undefined when it is unreadable. */
async function owner(path: string): Promise<{ pid: number; host: string } | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown; host?: unknown };
    return typeof v.pid === 'number' && typeof v.host === 'string' ? { pid: v.pid, host: v.host } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of `memoryDir`; resolves with the function that releases it.
 * @throws EngineError BUSY when a live process (this one included) holds it, IO_ERROR
 */
export async function acquireIngestLock(memoryDir: string): Promise<() => Promise<void>> {
  const path = memoryDir + LOCK_SUFFIX;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await tryCreate(path)) return () => rm(path, { force: true });
    const o = await owner(path);
    // Another host (shared folder) or a live process: not ours to break.
    if (o && (o.host !== hostname() || alive(o.pid))) {
      throw new EngineError(
        'BUSY',
        `another ingest of this document is running (pid ${o.pid} on ${o.host}); if it is not, delete ${path}`,
      );
    }
    await rm(path, { force: true }); // stale: its process is gone
  }
  throw new EngineError('BUSY', `another ingest of this document took the lock ${path} first`);
}
