/**
 * Benchmark suite "kernels": machine probes (read bandwidth, FMA peak), then per weight type
 * and shape the decode matmul (1 token) as GB/s of weights streamed and as a fraction of the
 * measured bandwidth, and the prefill matmul (512 tokens) as GFLOP/s and a fraction of the
 * measured FMA peak, each in exact and (quantized types) fast numerics. With 2 threads (the
 * engine's default on small machines), then 1.
 * Decode cycles through copies of the matrix totalling >= STREAM_BYTES, so that its weights
 * come from memory as in a real model (one matrix alone would stay in the last-level cache).
 */
import { loadBinding } from '../engine/binding/loadBinding.js';
import type { BenchResult } from './suites.js';

const THREADS = 2;
const PREFILL_TOKENS = 512;
const STREAM_BYTES = 160 * 2 ** 20;
const BANDWIDTH_BYTES = 256 * 2 ** 20;
const SHAPES: [number, number][] = [
  [896, 4864],
  [2048, 8192],
];

/** GGML id, block size, bytes per block and the byte offsets of fp16 scales inside a block. */
const TYPES: Record<string, { id: number; bs: number; ts: number; scales: number[] }> = {
  F32: { id: 0, bs: 1, ts: 4, scales: [] },
  F16: { id: 1, bs: 1, ts: 2, scales: [] },
  Q8_0: { id: 8, bs: 32, ts: 34, scales: [0] },
  Q4_0: { id: 2, bs: 32, ts: 18, scales: [0] },
  Q4_K: { id: 12, bs: 256, ts: 144, scales: [0, 2] },
  Q5_K: { id: 13, bs: 256, ts: 176, scales: [0, 2] },
  Q6_K: { id: 14, bs: 256, ts: 210, scales: [208] },
};

/** Random weights of a type with finite, weight-sized values (speed does not depend on them). */
function randomWeights(type: string, nIn: number, nOut: number): Uint8Array {
  const t = TYPES[type];
  const nBlocks = (nIn / t.bs) * nOut;
  const bytes = new Uint8Array(nBlocks * t.ts);
  let s = 12345;
  for (let i = 0; i < bytes.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    bytes[i] = s >>> 24;
  }
  const view = new DataView(bytes.buffer);
  if (type === 'F32') for (let i = 0; i < nBlocks; i++) view.setFloat32(4 * i, ((bytes[4 * i] - 128) / 128) * 0.05, true);
  if (type === 'F16') for (let i = 0; i < nBlocks; i++) view.setUint16(2 * i, (bytes[2 * i] & 0x83) << 8 | 0x2000 | bytes[2 * i + 1], true);
  for (let b = 0; b < nBlocks; b++) for (const o of t.scales) view.setUint16(b * t.ts + o, 0x2000 | (b & 0xff), true);
  return bytes;
}

/** Timings of one numerics mode. */
interface Timing {
  decodeMs: number;
  decodeGBs: number;
  decodeOfBandwidth: number;
  prefillMs: number;
  prefillGflops: number;
  prefillOfPeak: number;
}

interface Row {
  threads: number;
  type: string;
  shape: string;
  weightMiB: number;
  exact: Timing;
  /** Absent for F32/F16 (always exact). */
  fast?: Timing;
}

interface Machine {
  threads: number;
  bandwidthGBs: number;
  fmaPeakGflops: number;
}

/** Decode and prefill timings of one type and shape, in both numerics. */
function measure(type: string, shape: [number, number], m: Machine): Row {
  const { probe } = loadBinding();
  // K-quants need n_in % 256 == 0: 896-wide models keep those rows in other types, so the
  // K-quant row of the first shape is its transpose (the FFN down projection, 4864 -> 896).
  const [nIn, nOut] = shape[0] % TYPES[type].bs === 0 ? shape : [shape[1], shape[0]];
  const bytes = randomWeights(type, nIn, nOut);
  const id = TYPES[type].id;
  const copies = Math.ceil(STREAM_BYTES / bytes.length);
  const stream = new Uint8Array(copies * bytes.length);
  for (let c = 0; c < copies; c++) stream.set(bytes, c * bytes.length);
  const time = (numerics: 'exact' | 'fast'): Timing => {
    const decode = probe.matmulSeconds(id, stream, nIn, nOut, 1, m.threads, Math.max(100, 3 * copies), copies, numerics);
    const prefill = probe.matmulSeconds(id, bytes, nIn, nOut, PREFILL_TOKENS, m.threads, 3, 1, numerics);
    const gbs = bytes.length / decode / 1e9;
    const gflops = (2 * nIn * nOut * PREFILL_TOKENS) / prefill / 1e9;
    return {
      decodeMs: decode * 1e3,
      decodeGBs: gbs,
      decodeOfBandwidth: gbs / m.bandwidthGBs,
      prefillMs: prefill * 1e3,
      prefillGflops: gflops,
      prefillOfPeak: gflops / m.fmaPeakGflops,
    };
  };
  const quantized = TYPES[type].bs > 1;
  return {
    threads: m.threads,
    type,
    shape: `${nIn}x${nOut}`,
    weightMiB: bytes.length / 2 ** 20,
    exact: time('exact'),
    fast: quantized ? time('fast') : undefined,
  };
}

function table(m: Machine, rows: Row[]): string[] {
  const pct = (v: number): string => `${(100 * v).toFixed(0)}%`;
  const cells = (t: Timing | undefined, f: (t: Timing) => string): string => (t ? f(t) : '-');
  return [
    `### ${m.threads} thread${m.threads > 1 ? 's' : ''}: read bandwidth ${m.bandwidthGBs.toFixed(1)} GB/s, FMA peak ${m.fmaPeakGflops.toFixed(1)} GFLOP/s`,
    '',
    '| type | n_in x n_out | MiB | decode GB/s exact | fast | fast of bandwidth | prefill 512 GFLOP/s exact | fast | fast of FMA peak |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.type} | ${r.shape} | ${r.weightMiB.toFixed(1)} | ${r.exact.decodeGBs.toFixed(1)} (${pct(r.exact.decodeOfBandwidth)}) | ` +
        `${cells(r.fast, (t) => t.decodeGBs.toFixed(1))} | ${cells(r.fast, (t) => pct(t.decodeOfBandwidth))} | ` +
        `${r.exact.prefillGflops.toFixed(1)} (${pct(r.exact.prefillOfPeak)}) | ${cells(r.fast, (t) => t.prefillGflops.toFixed(1))} | ` +
        `${cells(r.fast, (t) => pct(t.prefillOfPeak))} |`,
    ),
    '',
  ];
}

/** Runs the suite: the 2-thread table (the target configuration), then 1 thread for reference. */
export async function runKernelsBench(): Promise<BenchResult> {
  const binding = loadBinding();
  const machines: Machine[] = [];
  const rows: Row[] = [];
  const markdown = [
    `## kernels (${binding.buildInfo().cpu.avx512 ? 'avx512' : 'avx2'})`,
    '',
    `Bandwidth: ${BANDWIDTH_BYTES / 2 ** 20} MiB buffer. Decode streams its weights from memory ` +
      `(copies totalling ${STREAM_BYTES / 2 ** 20} MiB); prefill: ${PREFILL_TOKENS} tokens. Times are the best of many runs. ` +
      'Exact: weights dequantized, float32 activations; fast: 8-bit activations, integer dot products (percentages in ' +
      'parentheses: exact against the same bound).',
    '',
  ];
  for (const threads of [THREADS, 1]) {
    const m: Machine = {
      threads,
      bandwidthGBs: binding.probe.readBandwidth(BANDWIDTH_BYTES, threads),
      fmaPeakGflops: binding.probe.fmaPeak(threads),
    };
    const mine = SHAPES.flatMap((shape) => Object.keys(TYPES).map((type) => measure(type, shape, m)));
    machines.push(m);
    rows.push(...mine);
    markdown.push(...table(m, mine));
  }
  return { name: 'kernels', date: new Date().toISOString(), data: { machines, rows }, markdown: markdown.join('\n') };
}
