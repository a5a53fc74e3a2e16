#!/usr/bin/env node
// Launcher for the `infllm` CLI: runs the compiled entry in dist/ (built by `npm ci` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'engine', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('infllm: not built yet; run "npm run build" in the infllm-reader folder\n');
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
await main();
