/**
 * Child processes that run a TypeScript helper script (test/helpers/*Child.ts) through jiti
 * (installed with vite), for the tests that kill a process mid-write.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const jitiRegister = join(createRequire(import.meta.url).resolve('jiti/package.json'), '..', 'lib', 'jiti-register.mjs');

/** Path of test/helpers/<name> (a child script). */
export const childScript = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** node arguments that run `script` (a .ts file) with `args`. */
export function tsChildArgs(script: string, args: readonly string[]): string[] {
  return ['--import', pathToFileURL(jitiRegister).href, script, ...args];
}

/** How a child ended: the signal that killed it (null: it exited) and its output. */
export interface ChildRun {
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs `node script ...args` through jiti; killed after `timeoutMs` (a hang guard). */
export function runTsChild(script: string, args: readonly string[], timeoutMs: number): Promise<ChildRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, tsChildArgs(script, args), { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ signal: (err as { signal?: string } | null)?.signal ?? null, stdout, stderr }),
    );
  });
}
