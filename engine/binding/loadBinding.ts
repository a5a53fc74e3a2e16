/**
 * Locates and loads infllm.node: an explicit path (argument: only that one; or INFLLM_NATIVE_PATH), then the
 * packaged app's unpacked resources, then build/Release and build/Debug under the package root.
 * A missing or unloadable addon gives an EngineError('NATIVE_UNAVAILABLE') that says how to build it.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';
import type { NativeBinding } from './NativeBinding.js';

const require = createRequire(import.meta.url);
let cached: NativeBinding | undefined;

/** The directory holding this package's package.json (works from engine/ and from dist/engine/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if (JSON.parse(readFileSync(pj, 'utf8')).name === 'infllm-reader') return dir;
      } catch {
        /* keep looking */
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new EngineError('NATIVE_UNAVAILABLE', 'cannot find the infllm-reader package root');
    dir = parent;
  }
}

function candidates(explicit?: string): string[] {
  if (explicit) return [resolve(explicit)];
  const list: string[] = [];
  if (process.env.INFLLM_NATIVE_PATH) list.push(resolve(process.env.INFLLM_NATIVE_PATH));
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) list.push(join(resourcesPath, 'app.asar.unpacked', 'build', 'Release', 'infllm.node'));
  const root = packageRoot();
  list.push(join(root, 'build', 'Release', 'infllm.node'), join(root, 'build', 'Debug', 'infllm.node'));
  return list;
}

/** Loads (once) and returns the native binding. */
export function loadBinding(explicitPath?: string): NativeBinding {
  if (cached && !explicitPath) return cached;
  const tried: string[] = [];
  for (const path of candidates(explicitPath)) {
    if (!existsSync(path)) {
      tried.push(`${path} (missing)`);
      continue;
    }
    try {
      const binding = require(path) as NativeBinding;
      if (!explicitPath) cached = binding;
      return binding;
    } catch (err) {
      throw new EngineError(
        'NATIVE_UNAVAILABLE',
        `cannot load the native engine ${path}: ${(err as Error).message}. Rebuild it with "npm run build:native".`,
        { cause: err },
      );
    }
  }
  throw new EngineError(
    'NATIVE_UNAVAILABLE',
    `the native engine is not built (looked in: ${tried.join(', ')}). Run "npm ci" or "npm run build:native".`,
  );
}
