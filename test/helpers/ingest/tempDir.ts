/** Temporary folders for ingest fixtures, removed after each test file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];

/** Creates a fresh temporary folder (prefix `infllm-ingest-`). */
export function makeTempDir(label = 'test'): string {
  const dir = mkdtempSync(join(tmpdir(), `infllm-ingest-${label}-`));
  created.push(dir);
  return dir;
}

/** Removes every folder made by makeTempDir (call in afterAll). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
