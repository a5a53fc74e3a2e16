/**
 * Bench suite "attention-memory": cost of the attention memories alone (no model), one layer of
 * a Llama-3-8B-like shape scaled down in heads (H=8, Hkv=2, d=128 by default), InfLLM with the
 * paper defaults vs the full KV cache:
 *   - prefill throughput (tokens/s) while filling the context in calls of 4096 tokens;
 *   - decode step time (median of repeated 1-token calls, each rolled back so the context stays
 *     fixed) at every context length.
 * Environment: INFLLM_BENCH_CONTEXTS="4096,16384,65536", INFLLM_BENCH_FULL_MAX=16384 (the full
 * cache's prefill is quadratic: longer contexts are skipped for it), INFLLM_BENCH_THREADS (default:
 * physical cores), INFLLM_BENCH_HEADS="8,2,128" (nHead,nHeadKv,headDim).
 */
import { loadBinding } from '../engine/binding/loadBinding.js';
import type { MemoryLayout, TestMemory } from '../engine/binding/MemoryTestingBinding.js';
import type { BenchResult, BenchSuite } from './suites.js';

interface Row {
  kind: 'infllm' | 'full';
  context: number;
  prefillTokensPerSec: number;
  /** Median wall time of a decode step. */
  decodeMs: number;
  /** Median CPU time (all threads) of a decode step: less sensitive to other load on the machine. */
  decodeCpuMs: number;
  blocks: number;
  residentMiB: number;
}

const CALL = 4096;
const DECODE_REPS = 41;

/** n values uniform in [-1, 1) from a seeded LCG (keys, values and queries of the memory benches). */
export function randomArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[i] = (x / 4294967296) * 2 - 1;
  }
  return a;
}

/** Runs one call; returns [wall ms, cpu ms]. */
function step(mem: TestMemory, lay: MemoryLayout, n: number, seed: number, commit: boolean): [number, number] {
  const q = randomArray(n * lay.nHead * lay.headDim, seed);
  const k = randomArray(n * lay.nHeadKv * lay.headDim, seed + 1);
  const v = randomArray(n * lay.nHeadKv * lay.headDim, seed + 2);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  mem.beginCall(n);
  mem.attend(0, q, k, v);
  if (commit) mem.endCall();
  else mem.rollbackCall();
  const c = process.cpuUsage(c0);
  return [Number(process.hrtime.bigint() - t0) / 1e6, (c.user + c.system) / 1000];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(kind: 'infllm' | 'full', lay: MemoryLayout, contexts: number[], nThreads: number): Row[] {
  const api = loadBinding()._testing.memory;
  const mem = api.create(lay, { kind, nThreads });
  const rows: Row[] = [];
  let filled = 0;
  let prefillMs = 0;
  for (const context of contexts) {
    const start = filled;
    while (filled < context) {
      const n = Math.min(CALL, context - filled);
      prefillMs += step(mem, lay, n, filled, true)[0];
      filled += n;
    }
    const times = Array.from({ length: DECODE_REPS }, (_, i) => step(mem, lay, 1, 7 * i + 1, false));
    const st = mem.stats();
    rows.push({
      kind,
      context,
      prefillTokensPerSec: filled > start ? (filled / prefillMs) * 1000 : 0,
      decodeMs: median(times.map((t) => t[0])),
      decodeCpuMs: median(times.map((t) => t[1])),
      blocks: st.nBlocks,
      residentMiB: st.bytesResident / 2 ** 20,
    });
  }
  return rows;
}

export const memoryBench: BenchSuite = {
  name: 'attention-memory',
  async run(): Promise<BenchResult> {
    const contexts = (process.env.INFLLM_BENCH_CONTEXTS ?? '4096,16384,65536').split(',').map(Number);
    const [nHead, nHeadKv, headDim] = (process.env.INFLLM_BENCH_HEADS ?? '8,2,128').split(',').map(Number);
    const nThreads = Number(process.env.INFLLM_BENCH_THREADS ?? loadBinding().buildInfo().cpu.physicalCores);
    const lay: MemoryLayout = { nLayer: 1, nHead, nHeadKv, headDim, ropeBase: 500000 };
    const fullMax = Number(process.env.INFLLM_BENCH_FULL_MAX ?? 16384);
    const rows = [
      ...measure('infllm', lay, contexts, nThreads),
      ...measure('full', lay, contexts.filter((c) => c <= fullMax), nThreads),
    ];
    const base = rows.find((r) => r.kind === 'infllm')!.decodeCpuMs;
    const lines = [
      `### Attention memory, one layer (H=${nHead}, Hkv=${nHeadKv}, d=${headDim}), ${nThreads} thread(s), InfLLM paper defaults`,
      '',
      '| memory | context | prefill tok/s (cumulative) | decode ms/step (wall) | decode CPU ms/step | CPU vs first InfLLM row | blocks | resident MiB |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.kind} | ${r.context} | ${r.prefillTokensPerSec.toFixed(0)} | ${r.decodeMs.toFixed(3)} | ${r.decodeCpuMs.toFixed(3)} | ` +
          `${(r.decodeCpuMs / base).toFixed(2)}x | ${r.blocks} | ${r.residentMiB.toFixed(1)} |`,
      ),
    ];
    return { name: 'attention-memory', date: new Date().toISOString(), data: { lay, nThreads, rows }, markdown: lines.join('\n') };
  },
};
