/**
 * Benchmark suite "infllm" (`npm run bench -- infllm`): what InfLLM costs and what it buys, on a
 * random model in the shape of Qwen2.5-0.5B (Q8_0, cached like the engine suite's) and on the
 * tiny passkey model. Parts, each measured in child processes (bench/infllmWorker.ts):
 *   decode   — decode ms/token vs context, InfLLM (paper settings) vs full attention, contexts
 *              reached by the benchmark-only synthetic fill, interleaved rounds, 2 and 1 threads;
 *   prefill  — real prefill vs length, InfLLM and full attention alternating call by call, linear
 *              fit; decode after real prefill vs after the synthetic fill;
 *   memory   — process RSS and the memory's resident/mapped bytes vs length, f16/q8, RAM/disk;
 *   saveopen — save and open time and size, f16/q8, RAM/disk tier, first token after open;
 *   passkey  — accuracy vs length: InfLLM, full attention, a 256-token window, on generated
 *              prompts of the dev files' kind, plus the dev prompts themselves.
 * Environment knobs (comma lists; defaults in knobs()): INFLLM_BENCH_PARTS, INFLLM_BENCH_WEIGHTS
 * (Q8_0|Q4_K), INFLLM_BENCH_THREADS, INFLLM_BENCH_DECODE_THREADS, INFLLM_BENCH_DECODE_CONTEXTS,
 * INFLLM_BENCH_DECODE_STEPS, INFLLM_BENCH_PREFILL_LENGTHS, INFLLM_BENCH_PREFILL_FULL_MAX,
 * INFLLM_BENCH_FULL_MAX_CONTEXT, INFLLM_BENCH_MEMORY_CONTEXTS, INFLLM_BENCH_SAVE_CONTEXTS,
 * INFLLM_BENCH_PASSKEY_LENGTHS, INFLLM_BENCH_PASSKEY_PROMPTS, INFLLM_BENCH_PASSKEY_METHODS
 * (infllm,full,window,infllm-b4), INFLLM_BENCH_PASSKEY_FULL_MAX, INFLLM_BENCH_PASSKEY_THREADS,
 * INFLLM_BENCH_PASSKEY_DEV (0/1), INFLLM_BENCH_PASSKEY_POOL (stories), INFLLM_BENCH_SCRATCH
 * (disk-tier and saved-memory folder), INFLLM_BENCH_CACHE (models, story pool), INFLLM_SHARED.
 * INFLLM_BENCH_QUICK=1 shrinks every default to a run of a few minutes.
 * Results: bench/results/infllm.{json,md}.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freemem, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { NativeInfllmSettings } from '../engine/binding/ModelBinding.js';
import { SYNTHETIC_PRESETS } from '../engine/gguf/syntheticModel.js';
import { packageRoot } from '../engine/binding/loadBinding.js';
import { cacheDir, modelFile } from './engine.js';
import { envInt, envInts, envWords, machineInfo, note, runWorker } from './infllmCommon.js';
import type { DecodeResult, DecodeTask } from './infllmDecode.js';
import type { MemoryResult, MemoryTask } from './infllmMemory.js';
import type { PasskeyMethod, PasskeyResult, PasskeyTask } from './infllmPasskey.js';
import type { PrefillResult, PrefillTask } from './infllmPrefill.js';
import { infllmMarkdown, type InfllmBenchData, type OfficialDevResult, type WorkerRun } from './infllmReport.js';
import type { SaveOpenResult, SaveOpenTask } from './infllmSaveOpen.js';
import type { BenchResult, BenchSuite } from './suites.js';

/** The paper's settings (infllm-spec.md §1), spelled out for the tables. */
export const PAPER: Required<Omit<NativeInfllmSettings, 'compat' | 'kvType'>> = { nInit: 128, nLocal: 4096, blockSize: 128, topk: 16, reprTopk: 4, chunk: 512, cache: 32 };
const PRESET = 'qwen2.5-0.5b';
const SHARED = process.env.INFLLM_SHARED ?? join(packageRoot(), '..', 'shared');

/** Every knob, read once (env name → meaning in the comments). */
function knobs() {
  const s = SYNTHETIC_PRESETS[PRESET];
  const fullBytesPerToken = s.nLayer * 2 * s.nHeadKv * (s.nEmbd / s.nHead) * 4; // f32 K and V pages
  const quick = envInt('INFLLM_BENCH_QUICK', 0) !== 0; // smaller defaults for a run of a few minutes
  const q = <T>(full: T, small: T): T => (quick ? small : full);
  return {
    parts: envWords('INFLLM_BENCH_PARTS', ['decode', 'prefill', 'memory', 'saveopen', 'passkey']),
    weightType: envWords('INFLLM_BENCH_WEIGHTS', ['Q8_0'])[0] as 'Q8_0' | 'Q4_K',
    threads: envInt('INFLLM_BENCH_THREADS', 2),
    /** Decode is measured once per thread count: 2 (the machine's cores) and 1 (its CPU time is immune to preemption). */
    decodeThreads: envInts('INFLLM_BENCH_DECODE_THREADS', [2, 1]),
    decodeContexts: envInts('INFLLM_BENCH_DECODE_CONTEXTS', q([4096, 16384, 65536, 262144], [4096, 65536])),
    /** Interleaved decode rounds (after a warm-up round). */
    decodeSteps: envInt('INFLLM_BENCH_DECODE_STEPS', q(9, 3)),
    prefillLengths: envInts('INFLLM_BENCH_PREFILL_LENGTHS', q([2048, 4096, 8192, 12288, 16384, 24576, 32768], [1024, 2048, 3072])),
    /** Real prefill of full attention only up to this length (its cost grows quadratically). */
    prefillFullMax: envInt('INFLLM_BENCH_PREFILL_FULL_MAX', 16384),
    /** Full attention runs only where its f32 KV cache fits: default 40% of the free memory at start. */
    fullMaxContext: envInt('INFLLM_BENCH_FULL_MAX_CONTEXT', Math.floor((0.4 * freemem()) / fullBytesPerToken)),
    fullBytesPerToken,
    memoryContexts: envInts('INFLLM_BENCH_MEMORY_CONTEXTS', q([16384, 65536, 262144], [16384])),
    saveContexts: envInts('INFLLM_BENCH_SAVE_CONTEXTS', q([16384, 65536], [16384])),
    passkeyLengths: envInts('INFLLM_BENCH_PASSKEY_LENGTHS', q([512, 1024, 2048, 4096, 8192, 16384, 32768], [512, 2048])),
    passkeyPrompts: envInt('INFLLM_BENCH_PASSKEY_PROMPTS', q(20, 5)),
    passkeyMethods: envWords('INFLLM_BENCH_PASSKEY_METHODS', ['infllm', 'full', 'window']),
    /** Passkey with full attention only up to this length (quadratic cost; it fails from 2K on). */
    passkeyFullMax: envInt('INFLLM_BENCH_PASSKEY_FULL_MAX', 16384),
    passkeyThreads: envInt('INFLLM_BENCH_PASSKEY_THREADS', 1),
    passkeyDev: envInt('INFLLM_BENCH_PASSKEY_DEV', q(1, 0)) !== 0,
    poolSize: envInt('INFLLM_BENCH_PASSKEY_POOL', q(1000, 100)),
    scratch: process.env.INFLLM_BENCH_SCRATCH ?? cacheDir(),
  };
}
export type Knobs = ReturnType<typeof knobs>;

/** Passkey methods: the README's main InfLLM settings, full attention, a 256-token window. */
export const PASSKEY_METHODS: Record<string, PasskeyMethod> = {
  infllm: {
    name: 'infllm',
    description: 'InfLLM n_init 4, n_local 256, block 2, topk 64, repr 2, chunk 128 (README main settings; f16 blocks)',
    session: { attention: 'infllm', infllm: { nInit: 4, nLocal: 256, blockSize: 2, topk: 64, reprTopk: 2, chunk: 128, cache: 64 } },
  },
  'infllm-b4': {
    name: 'infllm-b4',
    description: 'InfLLM n_init 4, n_local 256, block 4, topk 32, repr 4, chunk 128 (README cfgC)',
    session: { attention: 'infllm', infllm: { nInit: 4, nLocal: 256, blockSize: 4, topk: 32, reprTopk: 4, chunk: 128, cache: 32 } },
  },
  full: { name: 'full', description: 'full attention (KV cache)', session: { attention: 'full' } },
  window: {
    name: 'window',
    description: 'sliding window of 256 tokens: an InfLLM session with n_init 0, topk 0 (n_local 256, chunk 128; blocks form but are never read)',
    session: { attention: 'infllm', infllm: { nInit: 0, nLocal: 256, blockSize: 128, topk: 0, reprTopk: 1, chunk: 128, cache: 0 } },
  },
};

const uniqSorted = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

function decodeTasks(k: Knobs, model: string): DecodeTask[] {
  if (!k.parts.includes('decode')) return [];
  return k.decodeThreads.map((threads) => ({
    kind: 'decode', model, threads, infllm: { ...PAPER }, contexts: uniqSorted(k.decodeContexts), fullMaxContext: k.fullMaxContext, rounds: k.decodeSteps, seed: 1,
  }));
}

function prefillTasks(k: Knobs, model: string): PrefillTask[] {
  if (!k.parts.includes('prefill')) return [];
  const checkpoints = uniqSorted(k.prefillLengths.map((n) => Math.ceil(n / 512) * 512));
  const decodeAt = checkpoints.filter((n) => k.decodeContexts.includes(n));
  return [{
    kind: 'prefill', model, threads: k.threads, infllm: { ...PAPER }, checkpoints, fullMaxContext: Math.min(k.fullMaxContext, k.prefillFullMax),
    decodeAt: decodeAt.length > 0 ? decodeAt : checkpoints.slice(-1), rounds: k.decodeSteps, callTokens: 512, seed: 1,
  }];
}

function memoryTasks(k: Knobs, model: string): MemoryTask[] {
  if (!k.parts.includes('memory')) return [];
  const base = { kind: 'memory' as const, model, threads: k.threads, scratchRoot: k.scratch, contexts: uniqSorted(k.memoryContexts), decodeSteps: 3, seed: 2 };
  const tasks: MemoryTask[] = (['f16', 'q8'] as const).flatMap((kvType) =>
    (['ram', 'disk'] as const).map((storage) => ({ ...base, attention: 'infllm' as const, infllm: { ...PAPER, kvType }, storage })),
  );
  const full = base.contexts.filter((n) => n <= k.fullMaxContext);
  if (full.length > 0) tasks.push({ ...base, attention: 'full', storage: 'ram', contexts: full });
  return tasks;
}

function saveOpenTasks(k: Knobs, model: string): SaveOpenTask[] {
  if (!k.parts.includes('saveopen')) return [];
  return k.saveContexts.flatMap((tokens) =>
    (['f16', 'q8'] as const).flatMap((kvType) =>
      (['ram', 'disk'] as const).map((storage): SaveOpenTask => ({
        kind: 'saveopen', model, threads: k.threads, tokens, kvType, storage, scratchRoot: k.scratch, infllm: { ...PAPER }, seed: 3,
      })),
    ),
  );
}

function passkeyTasks(k: Knobs): PasskeyTask[] {
  if (!k.parts.includes('passkey')) return [];
  const dir = join(SHARED, 'passkey');
  const devFiles = k.passkeyDev ? [512, 2048, 8192].map((n) => join(dir, `dev_${n}.json`)) : [];
  return k.passkeyMethods.map((name) => {
    const method = PASSKEY_METHODS[name];
    if (!method) throw new Error(`INFLLM_BENCH_PASSKEY_METHODS: unknown method "${name}" (known: ${Object.keys(PASSKEY_METHODS).join(', ')})`);
    const lengths = name === 'full' ? k.passkeyLengths.filter((n) => n <= k.passkeyFullMax) : k.passkeyLengths;
    return {
      kind: 'passkey', model: join(dir, 'passkey-tiny.gguf'), threads: k.passkeyThreads, method, lengths, prompts: k.passkeyPrompts,
      seed: 2024, storyModel: join(SHARED, 'models', 'stories260K.gguf'), poolSize: k.poolSize, templateFile: devFiles[0] ?? join(dir, 'dev_512.json'),
      devFiles: name === 'full' ? devFiles.filter((f) => !f.endsWith('_8192.json') || k.passkeyFullMax >= 8192) : devFiles,
    };
  });
}

export const infllmSuite: BenchSuite = {
  name: 'infllm',
  async run(): Promise<BenchResult> {
    const k = knobs();
    mkdirSync(k.scratch, { recursive: true });
    const started = performance.now();
    const machineStart = machineInfo();
    const needModel = ['decode', 'prefill', 'memory', 'saveopen'].some((p) => k.parts.includes(p));
    const model = needModel ? await modelFile(PRESET, k.weightType) : '';
    if (k.parts.includes('passkey') && !existsSync(join(SHARED, 'passkey'))) throw new Error(`no passkey data at ${join(SHARED, 'passkey')} (set INFLLM_SHARED)`);
    const runs: WorkerRun[] = [];
    const partial: { label: string; result: unknown }[] = [];
    const partialPath = join(packageRoot(), 'bench', 'results', 'infllm.partial.json');
    mkdirSync(dirname(partialPath), { recursive: true });
    const run = async <R>(label: string, task: object): Promise<R> => {
      note(`${label}…`);
      const loadStart = loadavg();
      const t0 = performance.now();
      const r = await runWorker<R>(task);
      runs.push({ label, seconds: (performance.now() - t0) / 1000, loadavgStart: loadStart, loadavgEnd: loadavg() });
      partial.push({ label, result: r });
      writeFileSync(partialPath, JSON.stringify(partial) + '\n'); // a long run keeps what it measured if a later part fails
      return r;
    };
    const decode: DecodeResult[] = [];
    for (const t of decodeTasks(k, model)) decode.push(await run(`decode, ${t.threads} thread(s), to ${t.contexts.join(', ')}`, t));
    const prefill: PrefillResult[] = [];
    for (const t of prefillTasks(k, model)) prefill.push(await run(`prefill to ${t.checkpoints.join(', ')}`, t));
    const memory: MemoryResult[] = [];
    for (const t of memoryTasks(k, model)) memory.push(await run(`memory ${t.attention} ${t.infllm?.kvType ?? 'f32'} ${t.storage} to ${t.contexts.join(', ')}`, t));
    const saveOpen: SaveOpenResult[] = [];
    for (const t of saveOpenTasks(k, model)) saveOpen.push(await run(`save/open ${t.tokens} ${t.kvType} ${t.storage}`, t));
    const passkey: PasskeyResult[] = [];
    for (const t of passkeyTasks(k)) passkey.push(await run(`passkey ${t.method.name}`, t));
    const officialPath = join(SHARED, 'passkey', 'official_dev_results.json');
    const officialDev = existsSync(officialPath) ? (JSON.parse(readFileSync(officialPath, 'utf8')) as OfficialDevResult[]) : [];
    const data: InfllmBenchData = {
      preset: PRESET, model, knobs: k, paper: PAPER, passkeyMethods: PASSKEY_METHODS, officialDev, machineStart, machineEnd: machineInfo(),
      totalSeconds: (performance.now() - started) / 1000, runs, decode, prefill, memory, saveOpen, passkey,
    };
    rmSync(partialPath, { force: true });
    return { name: 'infllm', date: new Date().toISOString(), data, markdown: infllmMarkdown(data) };
  },
};
