/**
 * Benchmark suite "extract": extraction speed of a generated 500-page PDF, a 200-chapter EPUB and a
 * 10,000-file codebase (pages/chapters/files per second, input MB/s, output characters per second).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from '../engine/ingest/extract.js';
import { benchCodebase, benchEpub, benchPdf } from './extractFixtures.js';
import type { BenchResult, BenchSuite } from './suites.js';

const PDF_PAGES = 500;
const EPUB_CHAPTERS = 200;
const CODEBASE_FILES = 10_000;
/** Timed runs per input; the median is reported (the first run also warms caches). */
const RUNS = 3;

interface Row {
  input: string;
  units: number;
  unit: string;
  inputBytes: number;
  chars: number;
  medianMs: number;
  unitsPerSecond: number;
  megabytesPerSecond: number;
  megacharsPerSecond: number;
}

async function measure(input: string, path: string, unit: string): Promise<Row> {
  const times: number[] = [];
  let doc;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    doc = await extract(path);
    times.push(performance.now() - t0);
  }
  const medianMs = times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  const units = doc!.stats.pages ?? doc!.stats.chapters ?? doc!.stats.files;
  const seconds = medianMs / 1000;
  const inputBytes = doc!.stats.bytes; // file size, or the bytes of the files read from a folder
  return {
    input,
    units,
    unit,
    inputBytes,
    chars: doc!.text.length,
    medianMs: Math.round(medianMs),
    unitsPerSecond: Math.round(units / seconds),
    megabytesPerSecond: +(inputBytes / 1e6 / seconds).toFixed(2),
    megacharsPerSecond: +(doc!.text.length / 1e6 / seconds).toFixed(2),
  };
}

function markdown(rows: Row[]): string {
  const lines = [
    `### extract (median of ${RUNS} runs; ${cpus().length} CPUs, Node ${process.version})`,
    '',
    '| input | units | input MB | chars | time ms | units/s | MB/s | Mchars/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.input} | ${r.units} ${r.unit} | ${(r.inputBytes / 1e6).toFixed(2)} | ${r.chars} | ${r.medianMs} | ${r.unitsPerSecond} | ${r.megabytesPerSecond} | ${r.megacharsPerSecond} |`);
  }
  return lines.join('\n');
}

async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'infllm-bench-extract-'));
  try {
    writeFileSync(join(dir, 'book.pdf'), await benchPdf(PDF_PAGES));
    writeFileSync(join(dir, 'book.epub'), await benchEpub(EPUB_CHAPTERS));
    benchCodebase(join(dir, 'code'), CODEBASE_FILES);
    const rows = [
      await measure(`PDF, ${PDF_PAGES} pages`, join(dir, 'book.pdf'), 'pages'),
      await measure(`EPUB, ${EPUB_CHAPTERS} chapters`, join(dir, 'book.epub'), 'chapters'),
      await measure(`codebase, ${CODEBASE_FILES} files`, join(dir, 'code'), 'files'),
    ];
    return { name: 'extract', date: new Date().toISOString(), data: { runs: RUNS, rows }, markdown: markdown(rows) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The "extract" benchmark suite. */
export const extractSuite: BenchSuite = { name: 'extract', run };
