/**
 * Markdown of the "infllm" suite (bench/infllm.ts): the data type of the JSON, the header (machine,
 * load, settings, run time), the run log, and the assembly of the sections (cost tables in
 * bench/infllmReportCost.ts, passkey in bench/infllmReportPasskey.ts).
 */
import type { Knobs } from './infllm.js';
import type { MachineInfo } from './infllmCommon.js';
import type { DecodeResult } from './infllmDecode.js';
import type { MemoryResult } from './infllmMemory.js';
import type { PasskeyMethod, PasskeyResult } from './infllmPasskey.js';
import type { PrefillResult } from './infllmPrefill.js';
import { f, k, mib } from './infllmFormat.js';
import { decodeSection, memorySection, prefillSection, saveOpenSection } from './infllmReportCost.js';
import { passkeySection } from './infllmReportPasskey.js';
import type { SaveOpenResult } from './infllmSaveOpen.js';

/** Official InfLLM results on the dev prompts (../shared/passkey/official_dev_results.json). */
export interface OfficialDevResult {
  config: string;
  length: number;
  correct: number;
  n: number;
  generated_ids: number[][];
}

/** One child process of the run: what it measured, how long it took, the load around it. */
export interface WorkerRun {
  label: string;
  seconds: number;
  loadavgStart: number[];
  loadavgEnd: number[];
}

/** Everything the suite measured (the JSON's `data`). */
export interface InfllmBenchData {
  preset: string;
  model: string;
  knobs: Knobs;
  paper: object;
  passkeyMethods: Record<string, PasskeyMethod>;
  officialDev: OfficialDevResult[];
  machineStart: MachineInfo;
  machineEnd: MachineInfo;
  totalSeconds: number;
  runs: WorkerRun[];
  decode: DecodeResult[];
  prefill: PrefillResult[];
  memory: MemoryResult[];
  saveOpen: SaveOpenResult[];
  passkey: PasskeyResult[];
}

const load = (m: MachineInfo): string => m.loadavg.map((x) => x.toFixed(2)).join(' / ');

export function infllmMarkdown(d: InfllmBenchData): string {
  const m = d.machineStart;
  const header = [
    `### infllm: InfLLM vs full attention (random ${d.preset} shape, ${d.knobs.weightType}; prefill, memory and save/open on ${d.knobs.threads} threads)`,
    '',
    `CPU ${m.cpuModel} (${m.logicalCpus} logical), ${mib(m.totalMemBytes)} MiB RAM (${mib(m.freeMemBytes)} free at start). Load average at start ${load(m)}, at end ${load(d.machineEnd)}. ` +
      `Run time ${f(d.totalSeconds / 60)} min. InfLLM: paper settings (n_init 128, n_local 4096, block 128, topk 16, repr 4, chunk 512), f16 blocks unless stated. ` +
      `Full attention only up to ${k(d.knobs.fullMaxContext)} tokens (its f32 KV cache, ${f(d.knobs.fullBytesPerToken / 1024)} KiB/token, must fit in 40% of the free memory; INFLLM_BENCH_FULL_MAX_CONTEXT); its real prefill up to ${k(d.knobs.prefillFullMax)} (INFLLM_BENCH_PREFILL_FULL_MAX).`,
  ];
  const runs = ['#### Run log', '', '| measurement | minutes | load average before → after (1 min) |', '|---|---:|---:|',
    ...d.runs.map((r) => `| ${r.label} | ${f(r.seconds / 60)} | ${f(r.loadavgStart[0], 2)} → ${f(r.loadavgEnd[0], 2)} |`)];
  const sections = [decodeSection(d), prefillSection(d), memorySection(d), saveOpenSection(d), passkeySection(d)].filter((s) => s.length > 0);
  return [header, ...sections, runs].map((s) => s.join('\n')).join('\n\n');
}
