/**
 * Shared pieces of the "infllm" benchmark suite (bench/infllm.ts): environment knobs, the machine
 * description recorded in the JSON, medians, seeded random tokens, timing of one native call
 * (wall and process CPU), and running a measurement in a child process (bench/infllmWorker.ts)
 * so that its RSS belongs to one configuration.
 */
import { spawn } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A comma-separated list of integers from the environment (`def` when unset or empty). */
export function envInts(name: string, def: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const xs = raw.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`${name} must be a comma-separated list of integers >= 0 (got "${raw}")`);
  return xs;
}

/** One integer from the environment (`def` when unset). */
export function envInt(name: string, def: number): number {
  return envInts(name, [def])[0];
}

/** A comma-separated list of words from the environment (`def` when unset). */
export function envWords(name: string, def: string[]): string[] {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? def : raw.split(',').map((s) => s.trim());
}

/** What the machine was and how busy it was (recorded in every result). */
export interface MachineInfo {
  cpuModel: string;
  logicalCpus: number;
  totalMemBytes: number;
  freeMemBytes: number;
  /** 1, 5 and 15-minute load averages. */
  loadavg: number[];
  node: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    logicalCpus: cpus().length,
    totalMemBytes: totalmem(),
    freeMemBytes: freemem(),
    loadavg: loadavg(),
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** Median (upper median for even counts); NaN for an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` seeded token ids in [3, nVocab) (skips the usual special ids). */
export function randomTokens(n: number, nVocab: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => 3 + Math.floor(r() * (nVocab - 3)));
}

/** Wall and process CPU milliseconds (all threads) of one awaited operation. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

/** Current resident set size of this process. */
export const rssBytes = (): number => process.memoryUsage.rss();

/** Writes a progress line to stderr. */
export function note(message: string): void {
  process.stderr.write(`bench infllm: ${message}\n`);
}

/**
 * Runs one measurement in a child process (`node dist/bench/infllmWorker.js <task-json>`) and
 * returns the JSON it prints; its stderr (progress) goes to ours. Rejects when it fails.
 */
export function runWorker<R>(task: object): Promise<R> {
  const worker = join(dirname(fileURLToPath(import.meta.url)), 'infllmWorker.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', worker, JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`bench worker failed (${signal ?? `exit ${code}`}) for ${JSON.stringify(task)}`));
      try {
        resolve(JSON.parse(out) as R);
      } catch (err) {
        reject(new Error(`bench worker printed no JSON: ${(err as Error).message}`));
      }
    });
  });
}
