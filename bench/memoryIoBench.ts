/**
 * Bench suite "memory-io": saving and opening InfLLM memories of a realistic shape (Qwen2.5-0.5B:
 * 24 layers, 14 query heads, 2 kv heads, head_dim 64; paper settings n_init 128, n_local 4096,
 * block 128, topk 16, chunk 512) at 16K and 64K tokens, f16 vs q8 blocks, RAM vs disk tier.
 * The memory state is built without a model or attention (TestMemory.fillKv: random keys/values
 * through the real block bookkeeping, encoding and disk writes), so the figures are the I/O:
 *   - save: ms and bytes (the disk tier links its segments; RAM blocks are written);
 *   - open: ms with lazy block verification (manifest, sizes, small-file CRCs, mappings) and with
 *     every block verified;
 *   - first step after open: one 1-token call over all 24 layers (retrieval + attention of 16
 *     blocks per layer, whose checksums are verified on this first use), vs the same step on the
 *     memory that was never saved.
 * The page cache is warm (the files were just written): cold-disk open costs are not measured.
 * Environment: INFLLM_BENCH_MEMIO_CONTEXTS="16384,65536", INFLLM_BENCH_MEMIO_DIR (default: tmpdir).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBinding } from '../engine/binding/loadBinding.js';
import type { MemoryLayout, TestMemory } from '../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings, NativeKvType } from '../engine/binding/ModelBinding.js';
import { randomArray } from './memoryBench.js';
import type { BenchResult, BenchSuite } from './suites.js';

const LAY: MemoryLayout = { nLayer: 24, nHead: 14, nHeadKv: 2, headDim: 64, ropeBase: 1000000, neox: true };
const SETTINGS: NativeInfllmSettings = { nInit: 128, nLocal: 4096, blockSize: 128, topk: 16, reprTopk: 4, chunk: 512, cache: 32 };
const FILL_CALL = 4096;

interface Row {
  kvType: NativeKvType;
  storage: 'ram' | 'disk';
  tokens: number;
  blocks: number;
  fillMs: number;
  saveMs: number;
  savedMiB: number;
  linkedFiles: number;
  openMs: number;
  openVerifyAllMs: number;
  firstStepMs: number;
  stepMs: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** One 1-token call over every layer, rolled back; returns its wall ms. */
function step(mem: TestMemory, seed: number): number {
  const q = randomArray(LAY.nHead * LAY.headDim, seed);
  const kv = randomArray(LAY.nHeadKv * LAY.headDim, seed + 1);
  const t0 = now();
  mem.beginCall(1);
  for (let il = 0; il < LAY.nLayer; il++) mem.attend(il, q, kv, kv);
  mem.rollbackCall();
  return now() - t0;
}

function measure(root: string, kvType: NativeKvType, storage: 'ram' | 'disk', tokens: number): Row {
  const api = loadBinding()._testing.memory;
  const scratch = join(root, `scratch-${kvType}-${storage}-${tokens}`);
  mkdirSync(scratch);
  const settings = { ...SETTINGS, kvType, ...(storage === 'disk' ? { storage, storageDir: scratch } : {}) };
  const mem = api.create(LAY, { kind: 'infllm', settings, nThreads: 1 });
  const row = LAY.nHeadKv * LAY.headDim;
  let t0 = now();
  for (let t = 0; t < tokens; t += FILL_CALL) {
    const n = Math.min(FILL_CALL, tokens - t);
    mem.fillKv(randomArray(n * row, 2 * t + 1), randomArray(n * row, 2 * t + 2));
  }
  const fillMs = now() - t0;
  const dir = join(root, `mem-${kvType}-${storage}-${tokens}`);
  t0 = now();
  const saved = mem.save(dir);
  const saveMs = now() - t0;
  t0 = now();
  const opened = api.create(LAY, { kind: 'infllm', settings: { ...SETTINGS, kvType }, open: dir, nThreads: 1 });
  const openMs = now() - t0;
  const firstStepMs = step(opened, 99);
  const stepMs = step(mem, 99);
  t0 = now();
  api.create(LAY, { kind: 'infllm', settings: { ...SETTINGS, kvType }, open: dir, verifyAll: true, nThreads: 1 });
  const openVerifyAllMs = now() - t0;
  return {
    kvType, storage, tokens, blocks: mem.stats().nBlocks, fillMs, saveMs, savedMiB: saved.bytes / 2 ** 20,
    linkedFiles: saved.linkedFiles, openMs, openVerifyAllMs, firstStepMs, stepMs,
  };
}

export const memoryIoBench: BenchSuite = {
  name: 'memory-io',
  async run(): Promise<BenchResult> {
    const contexts = (process.env.INFLLM_BENCH_MEMIO_CONTEXTS ?? '16384,65536').split(',').map(Number);
    const root = mkdtempSync(join(process.env.INFLLM_BENCH_MEMIO_DIR ?? tmpdir(), 'infllm-bench-memio-'));
    const rows: Row[] = [];
    try {
      for (const tokens of contexts)
        for (const kvType of ['f16', 'q8'] as NativeKvType[])
          for (const storage of ['ram', 'disk'] as const) {
            rows.push(measure(root, kvType, storage, tokens));
            (globalThis as { gc?: () => void }).gc?.();
          }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    const lines = [
      `### Saved memories, Qwen2.5-0.5B shape (24 layers, H=14, Hkv=2, d=64), paper settings, warm page cache`,
      '',
      '| blocks | tier | tokens | blocks/layer | build ms | save ms | saved MiB | linked files | open ms (lazy) | open ms (verify all) | first step after open ms | same step, never saved ms |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.kvType} | ${r.storage} | ${r.tokens} | ${r.blocks} | ${r.fillMs.toFixed(0)} | ${r.saveMs.toFixed(0)} | ${r.savedMiB.toFixed(1)} | ` +
          `${r.linkedFiles} | ${r.openMs.toFixed(1)} | ${r.openVerifyAllMs.toFixed(1)} | ${r.firstStepMs.toFixed(1)} | ${r.stepMs.toFixed(1)} |`,
      ),
    ];
    return { name: 'memory-io', date: new Date().toISOString(), data: { layout: LAY, settings: SETTINGS, rows }, markdown: lines.join('\n') };
  },
};
