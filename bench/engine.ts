/**
 * Benchmark suite "engine": random-weight models in the shapes of Qwen2.5-0.5B and Llama-3.2-1B
 * (engine/gguf/syntheticModel.ts presets; cached under $INFLLM_BENCH_CACHE or the OS temp dir),
 * each in Q8_0 and Q4_K, on 2 threads: prefill tokens/s for a 512-token prompt, decode tokens/s
 * over 64 tokens, peak RSS, and in the same run the machine's read bandwidth and FMA peak. Decode
 * is reported as a fraction of the bandwidth bound (weight bytes read per token + KV bytes ÷
 * bandwidth), prefill as GFLOP/s and a fraction of FMA peak. Each model is measured in its own
 * process (bench/engineWorker.ts), which also reports a per-op time breakdown.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadBinding } from '../engine/binding/loadBinding.js';
import { SYNTHETIC_PRESETS, writeSyntheticModel } from '../engine/gguf/syntheticModel.js';
import { readGguf, type GgufFileInfo } from '../engine/model/gguf.js';
import type { WorkerConfig, WorkerResult } from './engineWorker.js';
import type { BenchResult, BenchSuite } from './suites.js';

const THREADS = 2;
const PROMPT_TOKENS = 512;
const DECODE_TOKENS = 64;
/** Bytes per K or V element in the full KV cache (float32, native/src/ifl-kv-cache.h). */
const KV_BYTES = 4;
/** Buffer of the bandwidth probe: far larger than any cache. */
const PROBE_BYTES = 512 * 2 ** 20;
/** Bumped when the synthetic generator's output changes, so cached files are rebuilt. */
const CACHE_VERSION = 1;

type Preset = keyof typeof SYNTHETIC_PRESETS;
const CONFIGS: { preset: Preset; weightType: 'Q8_0' | 'Q4_K' }[] = [
  { preset: 'qwen2.5-0.5b', weightType: 'Q8_0' },
  { preset: 'qwen2.5-0.5b', weightType: 'Q4_K' },
  { preset: 'llama-3.2-1b', weightType: 'Q8_0' },
  { preset: 'llama-3.2-1b', weightType: 'Q4_K' },
];

/** One row of the results. */
interface EngineRow {
  model: string;
  weightType: string;
  fileBytes: number;
  /** Weight bytes one decode step reads (every matrix once; the tied embedding as the output head; one embedding row). */
  weightBytesPerToken: number;
  /** K and V bytes one decode step reads, at the mean context of the decode phase. */
  kvBytesPerToken: number;
  prefillTokensPerSecond: number;
  prefillGflops: number;
  prefillFractionOfFmaPeak: number;
  decodeTokensPerSecond: number;
  decodeBoundTokensPerSecond: number;
  decodeFractionOfBound: number;
  peakRssBytes: number;
  loadMs: number;
  breakdown?: WorkerResult['breakdown'];
}

function cacheDir(): string {
  const dir = process.env.INFLLM_BENCH_CACHE ?? join(tmpdir(), 'infllm-bench-models');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The model file of a config, written once (deterministic per seed) and reused. */
async function modelFile(preset: Preset, weightType: 'Q8_0' | 'Q4_K'): Promise<string> {
  const path = join(cacheDir(), `${preset}.${weightType.toLowerCase()}.v${CACHE_VERSION}.gguf`);
  if (!existsSync(path)) {
    process.stderr.write(`bench engine: writing ${path}…\n`);
    await writeSyntheticModel(path, { ...SYNTHETIC_PRESETS[preset], weightType, seed: 1 });
  }
  return path;
}

/** Bytes a decode step reads and FLOPs a prefill of `n` tokens does, from the tensor table. */
function costModel(file: GgufFileInfo, preset: Preset, n: number, nDecode: number) {
  const s = SYNTHETIC_PRESETS[preset];
  const headDim = s.nEmbd / s.nHead;
  const embd = file.tensors.find((t) => t.name === 'token_embd.weight');
  const hasOutput = file.tensors.some((t) => t.name === 'output.weight');
  let matBytes = 0;
  let matParams = 0; // parameters of the per-layer matrices (used for every prompt token)
  for (const t of file.tensors) {
    if (t.dims.length < 2 || t.name === 'token_embd.weight' || t.name === 'output.weight') continue;
    matBytes += t.nBytes;
    matParams += t.dims[0] * t.dims[1];
  }
  const headBytes = hasOutput ? file.tensors.find((t) => t.name === 'output.weight')!.nBytes : embd!.nBytes;
  const weightBytesPerToken = matBytes + headBytes + embd!.nBytes / s.nVocab;
  const meanCtx = n + nDecode / 2;
  const kvBytesPerToken = 2 * s.nLayer * s.nHeadKv * headDim * KV_BYTES * meanCtx;
  // Prefill: 2 FLOP per weight per token, QK^T and PV over the causal triangle, logits of the last row only.
  const attnFlops = 2 * 2 * s.nLayer * s.nHead * headDim * ((n * (n + 1)) / 2);
  const prefillFlops = 2 * matParams * n + attnFlops + 2 * s.nEmbd * s.nVocab;
  return { weightBytesPerToken, kvBytesPerToken, prefillFlops };
}

async function measure(path: string): Promise<WorkerResult> {
  const worker = join(dirname(fileURLToPath(import.meta.url)), 'engineWorker.js');
  const cfg: WorkerConfig = { path, threads: THREADS, promptTokens: PROMPT_TOKENS, decodeTokens: DECODE_TOKENS, reps: 2, breakdownSteps: 4 };
  const { stdout } = await promisify(execFile)(process.execPath, [worker, JSON.stringify(cfg)], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as WorkerResult;
}

const fmt = (x: number, d = 1) => x.toFixed(d);
const mib = (b: number) => `${fmt(b / 2 ** 20, 0)} MiB`;

function markdown(rows: EngineRow[], bw: number, fma: number, load: number[]): string {
  const lines = [
    `### engine (${THREADS} threads; prompt ${PROMPT_TOKENS}, decode ${DECODE_TOKENS}; read bandwidth ${fmt(bw)} GB/s, FMA peak ${fmt(fma)} GFLOP/s; ` +
      `1-min load average ${load.map((x) => fmt(x, 2)).join(' → ')})`,
    '',
    '| model | weights | file | prefill tok/s | prefill GFLOP/s | of FMA peak | decode tok/s | bound tok/s | of bound | peak RSS |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.model} | ${r.weightType} | ${mib(r.fileBytes)} | ${fmt(r.prefillTokensPerSecond)} | ${fmt(r.prefillGflops)} | ${fmt(100 * r.prefillFractionOfFmaPeak)}% | ` +
        `${fmt(r.decodeTokensPerSecond, 2)} | ${fmt(r.decodeBoundTokensPerSecond, 2)} | ${fmt(100 * r.decodeFractionOfBound)}% | ${mib(r.peakRssBytes)} |`,
    );
  }
  for (const r of rows) {
    if (!r.breakdown) continue;
    const top = (m: Record<string, number>) => {
      const total = Object.values(m).reduce((a, b) => a + b, 0);
      return Object.entries(m)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, v]) => `${k} ${fmt((100 * v) / total, 0)}%`)
        .join(', ');
    };
    lines.push('', `${r.model} ${r.weightType}: decode time by op (gap before each named tensor): ${top(r.breakdown.decodePerToken)}`);
    lines.push(`${r.model} ${r.weightType}: prefill time by op: ${top(r.breakdown.prefill)}`);
  }
  return lines.join('\n');
}

export const engineSuite: BenchSuite = {
  name: 'engine',
  async run(): Promise<BenchResult> {
    // Other processes skew every figure (thread-pool barriers suffer most): the load average is recorded.
    const load = [loadavg()[0]];
    const probe = loadBinding().probe;
    const bw = probe.readBandwidth(PROBE_BYTES, THREADS);
    const fma = probe.fmaPeak(THREADS);
    const rows: EngineRow[] = [];
    for (const { preset, weightType } of CONFIGS) {
      const path = await modelFile(preset, weightType);
      const file = await readGguf(path, { arrays: 'summary' });
      const cost = costModel(file, preset, PROMPT_TOKENS, DECODE_TOKENS);
      process.stderr.write(`bench engine: ${preset} ${weightType}…\n`);
      const m = await measure(path);
      const decodeTps = (m.decodeTokens * 1000) / m.decodeMs;
      const bound = (bw * 1e9) / (cost.weightBytesPerToken + cost.kvBytesPerToken);
      const gflops = cost.prefillFlops / (m.prefillMs / 1000) / 1e9;
      rows.push({
        model: preset,
        weightType,
        fileBytes: file.fileSize,
        weightBytesPerToken: cost.weightBytesPerToken,
        kvBytesPerToken: cost.kvBytesPerToken,
        prefillTokensPerSecond: (PROMPT_TOKENS * 1000) / m.prefillMs,
        prefillGflops: gflops,
        prefillFractionOfFmaPeak: gflops / fma,
        decodeTokensPerSecond: decodeTps,
        decodeBoundTokensPerSecond: bound,
        decodeFractionOfBound: decodeTps / bound,
        peakRssBytes: m.maxRssBytes,
        loadMs: m.loadMs,
        breakdown: m.breakdown,
      });
    }
    load.push(loadavg()[0]);
    const data = { threads: THREADS, promptTokens: PROMPT_TOKENS, decodeTokens: DECODE_TOKENS, readBandwidthGBs: bw, fmaPeakGflops: fma, loadAverage: load, rows };
    return { name: 'engine', date: new Date().toISOString(), data, markdown: markdown(rows, bw, fma, load) };
  },
};
