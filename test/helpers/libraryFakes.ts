/**
 * Test doubles for the library: a fake extractor (file → its text, folder → its files joined),
 * an AtomicFs that "crashes" at the n-th step (that step half-done, every later step failing, as
 * if the process had died), and temp-folder helpers.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { ExtractedDocument } from '../../engine/ingest/types.js';
import type { Extractor } from '../../engine/library/types.js';
import { nodeAtomicFs, type AtomicFs } from '../../engine/lifecycle/atomicWrite.js';

/** A fake extractor plus the paths it was called with. */
export interface FakeExtractor {
  extract: Extractor;
  calls: string[];
}

/** File: format 'text', title = name without extension. Folder: 'codebase', files sorted by name. */
export function fakeExtractor(): FakeExtractor {
  const calls: string[] = [];
  const extract: Extractor = async (path, { signal }) => {
    calls.push(path);
    signal?.throwIfAborted();
    if ((await stat(path)).isFile()) {
      const text = await readFile(path, 'utf8');
      const doc: ExtractedDocument = {
        format: 'text',
        title: basename(path).replace(/\.[^.]*$/, ''),
        text,
        sourceMap: { segments: [{ kind: 'lines', start: 0, end: text.length, firstLine: 1 }] },
        warnings: [],
        stats: { lines: text.split('\n').length },
      };
      return doc;
    }
    const names = (await readdir(path)).sort();
    let text = '';
    const segments: ExtractedDocument['sourceMap']['segments'] = [];
    for (const name of names) {
      const body = await readFile(join(path, name), 'utf8');
      segments.push({ kind: 'file', start: text.length, end: text.length + body.length, path: name, firstLine: 1 });
      text += body;
    }
    return { format: 'codebase', title: basename(path), text, sourceMap: { segments }, warnings: ['fake'], stats: { files: names.length } };
  };
  return { extract, calls };
}

/** Thrown by {@link crashingFs} at and after its crash step. */
export class SimulatedCrash extends Error {
  constructor(step: number) {
    super(`simulated crash at fs step ${step}`);
  }
}

/** An AtomicFs that performs `crashAt - 1` steps normally, half-performs step `crashAt`, then fails every step. */
export function crashingFs(crashAt: number): AtomicFs & { steps: () => number; crashed: () => boolean } {
  let step = 0;
  let dead = false;
  const gate = (): boolean => {
    if (dead) throw new SimulatedCrash(step);
    step++;
    if (step === crashAt) dead = true;
    return dead;
  };
  return {
    steps: () => step,
    crashed: () => dead,
    async writeFileSynced(path, data) {
      if (gate()) {
        // Die mid-write: half the bytes reach the file, never synced.
        const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
        await nodeAtomicFs.writeFileSynced(path, bytes.subarray(0, bytes.length >> 1));
        throw new SimulatedCrash(step);
      }
      await nodeAtomicFs.writeFileSynced(path, data);
    },
    async rename(from, to) {
      if (gate()) throw new SimulatedCrash(step);
      await nodeAtomicFs.rename(from, to);
    },
    async mkdir(path) {
      if (gate()) throw new SimulatedCrash(step);
      await nodeAtomicFs.mkdir(path);
    },
    async mkdtemp(prefix) {
      if (gate()) {
        await nodeAtomicFs.mkdtemp(prefix); // created, but the caller never learns its name
        throw new SimulatedCrash(step);
      }
      return nodeAtomicFs.mkdtemp(prefix);
    },
    async rm(path) {
      if (gate()) throw new SimulatedCrash(step);
      await nodeAtomicFs.rm(path);
    },
    async fsyncDir(path) {
      if (gate()) throw new SimulatedCrash(step);
      await nodeAtomicFs.fsyncDir(path);
    },
  };
}

/** A fresh temp folder; remove it with {@link removeTempDir}. */
export function makeTempDir(prefix = 'infllm-lib-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
