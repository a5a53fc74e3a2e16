/**
 * Tokenizer throughput (`npm run bench tokenizer`): load time and encodeWithOffsets speed on a
 * 1 MiB text (the shared design documents and tokenizer test inputs, repeated) for every
 * vocabulary in ../shared/tokenizer-vectors. Needs the shared data folder next to the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../engine/binding/loadBinding.js';
import { loadTokenizerSync } from '../engine/model/tokenizer/loadTokenizer.js';
import type { BenchResult, BenchSuite } from './suites.js';

function shared(): string {
  return process.env.INFLLM_SHARED ?? join(packageRoot(), '..', 'shared');
}

/** ~1 MiB of mixed text: Markdown prose and tables, code-like snippets, several scripts and emoji. */
function sampleText(): string {
  const dir = shared();
  const parts = ['design/architecture.md', 'design/infllm-spec.md', 'design/style-by-example.md', 'tokenizer-vectors/ggml-vocab-gpt-2.gguf.inp']
    .map((f) => join(dir, f))
    .filter(existsSync)
    .map((f) => readFileSync(f, 'utf8'));
  const base = parts.join('\n');
  let text = '';
  while (text.length < 1 << 20) text += base;
  return text.slice(0, 1 << 20);
}

export const tokenizerSuite: BenchSuite = {
  name: 'tokenizer',
  async run(): Promise<BenchResult> {
    const text = sampleText();
    const mb = Buffer.byteLength(text) / 1e6;
    const dir = join(shared(), 'tokenizer-vectors');
    const rows: { vocab: string; loadMs: number; tokens: number; mbPerS: number; mbPerCpuS: number }[] = [];
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.gguf')).sort()) {
      const t0 = performance.now();
      const tok = loadTokenizerSync(join(dir, f));
      const loadMs = performance.now() - t0;
      tok.encode('warm-up text', { addSpecial: false });
      const t1 = performance.now();
      const cpu = process.cpuUsage();
      const { ids } = tok.encodeWithOffsets(text);
      const cpuS = process.cpuUsage(cpu).user / 1e6;
      const s = (performance.now() - t1) / 1000;
      rows.push({
        vocab: f.replace(/^ggml-vocab-|\.gguf$/g, ''),
        loadMs: Math.round(loadMs),
        tokens: ids.length,
        mbPerS: Number((mb / s).toFixed(2)),
        mbPerCpuS: Number((mb / cpuS).toFixed(2)),
      });
    }
    const markdown = [
      `Tokenizer: encodeWithOffsets of ${mb.toFixed(2)} MB of mixed text`,
      '',
      '| vocabulary | load ms | tokens | MB/s (wall) | MB/s (user CPU) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.vocab} | ${r.loadMs} | ${r.tokens} | ${r.mbPerS} | ${r.mbPerCpuS} |`),
    ].join('\n');
    return { name: 'tokenizer', date: new Date().toISOString(), data: { bytes: Buffer.byteLength(text), rows }, markdown };
  },
};
