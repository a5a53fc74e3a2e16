/**
 * The saved InfLLM memories of a library entry: folders `memories/<modelHash>-<configHash>/`
 * inside the entry's folder (written by the memory save, deleted with the entry).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { MEMORIES_DIR } from './documentRecord.js';
import { directorySize, fsError, isMissing } from './libraryUtil.js';
import type { MemoryInfo } from './types.js';

const PART = /^[A-Za-z0-9_]{1,128}$/;
const DIR_NAME = /^([A-Za-z0-9_]{1,128})-([A-Za-z0-9_]{1,128})$/;

/** `<docDir>/memories/<modelHash>-<configHash>`; hashes are 1-128 of [A-Za-z0-9_]. @throws EngineError INVALID_ARGUMENT */
export function memoryPath(docDir: string, modelHash: string, configHash: string): string {
  for (const [name, v] of [['modelHash', modelHash], ['configHash', configHash]] as const) {
    if (typeof v !== 'string' || !PART.test(v)) {
      throw new EngineError('INVALID_ARGUMENT', `${name} "${String(v)}" must be 1-128 letters, digits or "_"`);
    }
  }
  return join(docDir, MEMORIES_DIR, `${modelHash}-${configHash}`);
}

/** The memory folders of an entry, newest first (other names, e.g. temp folders, are skipped). */
export async function listMemoryDirs(docDir: string, id: string): Promise<MemoryInfo[]> {
  let names: string[];
  try {
    names = await readdir(join(docDir, MEMORIES_DIR));
  } catch (err) {
    if (isMissing(err)) return [];
    throw fsError(`cannot list the memories of library entry ${id}`, err);
  }
  const out: MemoryInfo[] = [];
  for (const name of names) {
    const m = DIR_NAME.exec(name);
    const dir = join(docDir, MEMORIES_DIR, name);
    const st = await stat(dir).catch(() => undefined);
    if (!m || !st?.isDirectory()) continue;
    out.push({ modelHash: m[1], configHash: m[2], dir, bytes: await directorySize(dir), mtimeMs: st.mtimeMs });
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || a.dir.localeCompare(b.dir));
}
