/**
 * `npm run bench`: runs every benchmark suite registered in bench/suites.ts and writes JSON and a
 * Markdown table under bench/results/. Suites are added by the engine, InfLLM and ingest issues.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../engine/binding/loadBinding.js';
import { suites, type BenchResult } from './suites.js';

const only = process.argv.slice(2);
const outDir = join(packageRoot(), 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const results: BenchResult[] = [];
for (const suite of suites) {
  if (only.length > 0 && !only.includes(suite.name)) continue;
  process.stderr.write(`bench: ${suite.name}…\n`);
  const r = await suite.run();
  results.push(r);
  writeFileSync(join(outDir, `${suite.name}.json`), JSON.stringify(r, null, 2) + '\n');
  writeFileSync(join(outDir, `${suite.name}.md`), r.markdown + '\n');
  process.stdout.write(r.markdown + '\n\n');
}
if (results.length === 0) process.stderr.write('bench: no suite matched\n');
