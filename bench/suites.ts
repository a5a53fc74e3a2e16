/** The benchmark suites `npm run bench` runs (add yours here, one file per suite). */
import { engineSuite } from './engine.js';
import { extractSuite } from './extract.js';
import { runKernelsBench } from './kernels.js';
import { memoryBench } from './memoryBench.js';
import { memoryIoBench } from './memoryIoBench.js';
import { tokenizerSuite } from './tokenizerBench.js';

/** What a suite returns: machine-readable data plus a Markdown table for the results folder. */
export interface BenchResult {
  name: string;
  /** ISO time of the run. */
  date: string;
  data: unknown;
  markdown: string;
}

export interface BenchSuite {
  name: string;
  run(): Promise<BenchResult>;
}

export const suites: BenchSuite[] = [
  { name: 'kernels', run: runKernelsBench },
  memoryBench,
  memoryIoBench,
  tokenizerSuite,
  extractSuite,
  engineSuite,
];
