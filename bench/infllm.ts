/**
 * Benchmark suite "infllm" (`npm run bench -- infllm`): what InfLLM costs and what it buys, on a
 * random model in the shape of Qwen2.5-0.5B (Q8_0, cached like the engine suite's) and on the
 * tiny passkey model. Parts (INFLLM_BENCH_PARTS, default all):
 *   decode   — decode ms/token vs context (4K…256K), InfLLM (paper defaults) vs full attention,
 *              contexts reached by the benchmark-only synthetic fill, plus the real-prefill runs;
 *   prefill  — real prefill time vs length (2K…16K), InfLLM vs full, with a linear fit;
 *   memory   — process RSS and the memory's own resident/mapped bytes vs length, f16/q8, RAM/disk;
 *   saveopen — save and open time and size at 16K/64K, f16/q8, RAM/disk tier, first token after open;
 *   passkey  — passkey accuracy vs length (512…32K): InfLLM, full attention, a 256-token window,
 *              on generated prompts of the dev files' kind, plus the dev prompts themselves.
 * Every measurement runs in its own process (bench/infllmWorker.ts). Knobs: see README of the
 * suite in the markdown header and `knobs()` below. Results: bench/results/infllm.{json,md}.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { freemem, loadavg } from 'node:os';
import { join } from 'node:path';
import type { NativeInfllmSettings } from '../engine/binding/ModelBinding.js';
import { SYNTHETIC_PRESETS } from '../engine/gguf/syntheticModel.js';
import { packageRoot } from '../engine/binding/loadBinding.js';
import { cacheDir, modelFile } from './engine.js';
import { envInt, envInts, envWords, machineInfo, note, runWorker } from './infllmCommon.js';
import type { ContextResult, ContextTask } from './infllmContext.js';
import type { PasskeyMethod, PasskeyResult, PasskeyTask } from './infllmPasskey.js';
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
  return {
    parts: envWords('INFLLM_BENCH_PARTS', ['decode', 'prefill', 'memory', 'saveopen', 'passkey']),
    weightType: envWords('INFLLM_BENCH_WEIGHTS', ['Q8_0'])[0] as 'Q8_0' | 'Q4_K',
    threads: envInt('INFLLM_BENCH_THREADS', 2),
    decodeContexts: envInts('INFLLM_BENCH_DECODE_CONTEXTS', [4096, 16384, 65536, 262144]),
    decodeSteps: envInt('INFLLM_BENCH_DECODE_STEPS', 9),
    prefillLengths: envInts('INFLLM_BENCH_PREFILL_LENGTHS', [2048, 4096, 8192, 16384]),
    /** Full attention runs only where its f32 KV cache fits: default 40% of the free memory at start. */
    fullMaxContext: envInt('INFLLM_BENCH_FULL_MAX_CONTEXT', Math.floor((0.4 * freemem()) / fullBytesPerToken)),
    fullBytesPerToken,
    memoryContexts: envInts('INFLLM_BENCH_MEMORY_CONTEXTS', [16384, 65536, 262144]),
    saveContexts: envInts('INFLLM_BENCH_SAVE_CONTEXTS', [16384, 65536]),
    passkeyLengths: envInts('INFLLM_BENCH_PASSKEY_LENGTHS', [512, 1024, 2048, 4096, 8192, 16384, 32768]),
    passkeyPrompts: envInt('INFLLM_BENCH_PASSKEY_PROMPTS', 20),
    passkeyMethods: envWords('INFLLM_BENCH_PASSKEY_METHODS', ['infllm', 'full', 'window']),
    passkeyFullMax: envInt('INFLLM_BENCH_PASSKEY_FULL_MAX', 32768),
    passkeyThreads: envInt('INFLLM_BENCH_PASSKEY_THREADS', 1),
    passkeyDev: envInt('INFLLM_BENCH_PASSKEY_DEV', 1) !== 0,
    poolSize: envInt('INFLLM_BENCH_PASSKEY_POOL', 1000),
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

function contextTask(k: Knobs, model: string, o: Partial<ContextTask> & Pick<ContextTask, 'attention' | 'route' | 'checkpoints'>): ContextTask {
  return {
    kind: 'context', model, threads: k.threads, decodeAt: o.checkpoints, decodeSteps: k.decodeSteps, callTokens: 512, seed: 1,
    scratchRoot: k.scratch, ...(o.attention === 'infllm' ? { infllm: { ...PAPER } } : {}), ...o,
  };
}

/** The context runs of the decode, prefill and memory parts. */
function contextTasks(k: Knobs, model: string): ContextTask[] {
  const tasks: ContextTask[] = [];
  const want = (p: string) => k.parts.includes(p);
  if (want('decode') || want('prefill')) {
    const real = k.prefillLengths.map((n) => Math.ceil(n / 512) * 512);
    tasks.push(contextTask(k, model, { attention: 'infllm', route: 'real', checkpoints: real }));
    const fullReal = real.filter((n) => n <= k.fullMaxContext);
    if (fullReal.length > 0) tasks.push(contextTask(k, model, { attention: 'full', route: 'real', checkpoints: fullReal }));
  }
  if (want('decode') || want('memory')) {
    const synth = uniqSorted([...(want('decode') ? k.decodeContexts : []), ...(want('memory') ? k.memoryContexts : [])]);
    tasks.push(contextTask(k, model, { attention: 'infllm', route: 'synthetic', checkpoints: synth, infllm: { ...PAPER, kvType: 'f16' } }));
    const full = synth.filter((n) => n <= k.fullMaxContext);
    if (full.length > 0) tasks.push(contextTask(k, model, { attention: 'full', route: 'synthetic', checkpoints: full }));
  }
  if (want('memory')) {
    for (const [kvType, storage] of [['q8', 'ram'], ['f16', 'disk'], ['q8', 'disk']] as const)
      tasks.push(contextTask(k, model, {
        attention: 'infllm', route: 'synthetic', checkpoints: uniqSorted(k.memoryContexts), infllm: { ...PAPER, kvType }, storage, decodeSteps: 3,
      }));
  }
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
    const run = async <R>(label: string, task: object): Promise<R> => {
      note(`${label}…`);
      const loadStart = loadavg();
      const t0 = performance.now();
      const r = await runWorker<R>(task);
      runs.push({ label, seconds: (performance.now() - t0) / 1000, loadavgStart: loadStart, loadavgEnd: loadavg() });
      return r;
    };
    const context: ContextResult[] = [];
    for (const t of contextTasks(k, model))
      context.push(await run(`${t.attention} ${t.route}${t.infllm?.kvType ? ` ${t.infllm.kvType}` : ''}${t.storage ? ` ${t.storage}` : ''} to ${t.checkpoints.join(', ')}`, t));
    const saveOpen: SaveOpenResult[] = [];
    for (const t of saveOpenTasks(k, model)) saveOpen.push(await run(`save/open ${t.tokens} ${t.kvType} ${t.storage}`, t));
    const passkey: PasskeyResult[] = [];
    for (const t of passkeyTasks(k)) passkey.push(await run(`passkey ${t.method.name}`, t));
    const officialPath = join(SHARED, 'passkey', 'official_dev_results.json');
    const officialDev = existsSync(officialPath) ? (JSON.parse(readFileSync(officialPath, 'utf8')) as OfficialDevResult[]) : [];
    const data: InfllmBenchData = {
      preset: PRESET, model, knobs: k, paper: PAPER, passkeyMethods: PASSKEY_METHODS, officialDev, machineStart, machineEnd: machineInfo(),
      totalSeconds: (performance.now() - started) / 1000, runs, context, saveOpen, passkey,
    };
    return { name: 'infllm', date: new Date().toISOString(), data, markdown: infllmMarkdown(data) };
  },
};
