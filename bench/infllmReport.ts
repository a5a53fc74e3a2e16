/**
 * Markdown of the "infllm" suite (bench/infllm.ts): decode vs context, prefill vs length with a
 * linear fit, memory vs length, save/open, passkey accuracy, and the target checks (InfLLM decode
 * at the longest context within 1.3x of 4K; prefill linear), full attention's figures beside them.
 */
import type { Knobs } from './infllm.js';
import type { MachineInfo } from './infllmCommon.js';
import type { ContextPoint, ContextResult } from './infllmContext.js';
import type { PasskeyMethod, PasskeyResult } from './infllmPasskey.js';
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
  context: ContextResult[];
  saveOpen: SaveOpenResult[];
  passkey: PasskeyResult[];
}

const f = (x: number | undefined, d = 1): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const mib = (b: number): string => f(b / 2 ** 20, 0);
const k = (n: number): string => (n % 1024 === 0 ? `${n / 1024}K` : `${n}`);
const load = (m: MachineInfo): string => m.loadavg.map((x) => x.toFixed(2)).join(' / ');

/** The run of a kind; undefined when it was not run. */
function find(d: InfllmBenchData, attention: string, route: string, kv?: string, storage = 'ram'): ContextResult | undefined {
  return d.context.find(
    (c) => c.task.attention === attention && c.task.route === route && (c.task.storage ?? 'ram') === storage && (kv === undefined || c.task.infllm?.kvType === kv),
  );
}
const at = (r: ContextResult | undefined, n: number): ContextPoint | undefined => r?.points.find((p) => p.context === n);

/** Least-squares line through (x, y): slope, intercept, R², largest |residual| / y. */
export function linearFit(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number; maxRelResidual: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  const intercept = my - slope * mx;
  const res = ys.map((y, i) => y - (intercept + slope * xs[i]));
  const ssr = res.reduce((a, r) => a + r * r, 0);
  return { slope, intercept, r2: syy > 0 ? 1 - ssr / syy : NaN, maxRelResidual: Math.max(...res.map((r, i) => Math.abs(r) / ys[i])) };
}

function decodeSection(d: InfllmBenchData): string[] {
  const runs = { is: find(d, 'infllm', 'synthetic', 'f16'), ir: find(d, 'infllm', 'real'), fs: find(d, 'full', 'synthetic'), fr: find(d, 'full', 'real') };
  const contexts = [...new Set([...d.knobs.decodeContexts, ...(runs.ir?.points.map((p) => p.context) ?? [])])].sort((a, b) => a - b);
  if (!d.knobs.parts.includes('decode') || !runs.is) return [];
  const lo = d.knobs.decodeContexts[0];
  const hi = d.knobs.decodeContexts[d.knobs.decodeContexts.length - 1];
  const base = (r: ContextResult | undefined) => at(r, lo)?.decode;
  const cell = (r: ContextResult | undefined, n: number, ratio: boolean): string => {
    const p = at(r, n)?.decode;
    if (!p) return r === runs.fs && n > d.knobs.fullMaxContext ? `skipped (KV ${f((n * d.knobs.fullBytesPerToken) / 2 ** 30)} GiB)` : '—';
    const b = base(r);
    return `${f(p.wallMs)} / ${f(p.cpuMs)}${ratio && b ? ` (${f(p.cpuMs / b.cpuMs, 2)}x)` : ''}`;
  };
  const lines = [
    `#### Decode ms/token vs context (median of ${d.knobs.decodeSteps} steps after a warm-up step; wall / process CPU, CPU ratio to ${k(lo)} in brackets)`,
    '',
    'Synthetic: the context was reached with the benchmark-only native fill (`_testing.bench.fillSyntheticContext`: random keys/values through the memory\'s own bookkeeping; decode cost does not depend on the values). Real: reached by real prefill of random tokens.',
    '',
    '| context | InfLLM, synthetic | InfLLM, real prefill | full, synthetic | full, real prefill |',
    '|---:|---:|---:|---:|---:|',
    ...contexts.map((n) => `| ${k(n)} | ${cell(runs.is, n, true)} | ${cell(runs.ir, n, false)} | ${cell(runs.fs, n, true)} | ${cell(runs.fr, n, false)} |`),
  ];
  const ratio = (r: ContextResult | undefined, n: number, key: 'wallMs' | 'cpuMs') => (at(r, n)?.decode?.[key] ?? NaN) / (base(r)?.[key] ?? NaN);
  const ir = ratio(runs.is, hi, 'cpuMs');
  lines.push('', `Target: InfLLM decode at ${k(hi)} within 1.3x of ${k(lo)}: CPU ${f(ir, 2)}x, wall ${f(ratio(runs.is, hi, 'wallMs'), 2)}x → ${ir <= 1.3 ? 'met' : 'NOT met'}.`);
  const fullHi = Math.max(...d.knobs.decodeContexts.filter((n) => at(runs.fs, n)?.decode));
  if (fullHi > lo) lines.push(`Full attention at ${k(fullHi)} vs ${k(lo)}: CPU ${f(ratio(runs.fs, fullHi, 'cpuMs'), 2)}x, wall ${f(ratio(runs.fs, fullHi, 'wallMs'), 2)}x.`);
  for (const n of runs.ir?.points.map((p) => p.context) ?? []) {
    const s = at(runs.is, n)?.decode;
    const r = at(runs.ir, n)?.decode;
    if (s && r) lines.push(`InfLLM at ${k(n)}: synthetic fill / real prefill decode CPU time = ${f(s.cpuMs / r.cpuMs, 2)} (check of the fill).`);
  }
  return lines;
}

function prefillSection(d: InfllmBenchData): string[] {
  const ir = find(d, 'infllm', 'real');
  const fr = find(d, 'full', 'real');
  if (!d.knobs.parts.includes('prefill') || !ir) return [];
  const seg = (r: ContextResult | undefined, i: number, key: 'prefillWallMs' | 'prefillCpuMs'): number => {
    const p = r?.points[i];
    if (!p) return NaN;
    const prev = i > 0 ? r!.points[i - 1] : undefined;
    return (p[key]! - (prev?.[key] ?? 0)) / (p.context - (prev?.context ?? 0));
  };
  const lines = [
    '#### Prefill vs length (real prefill of random tokens in calls of 512 from an empty session; cumulative time and tokens/s, and ms/token within each segment since the previous length; each as wall / CPU)',
    '',
    '| length | InfLLM s | InfLLM tok/s | InfLLM ms/token in segment | full s | full tok/s | full ms/token in segment | full / InfLLM (cumulative CPU) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const cols = (r: ContextResult | undefined, i: number): string => {
    const p = r?.points[i];
    if (!p) return '— | — | —';
    return `${f(p.prefillWallMs! / 1000)} / ${f(p.prefillCpuMs! / 1000)} | ${f((1000 * p.context) / p.prefillWallMs!)} / ${f((1000 * p.context) / p.prefillCpuMs!)} | ` +
      `${f(seg(r, i, 'prefillWallMs'))} / ${f(seg(r, i, 'prefillCpuMs'))}`;
  };
  ir.points.forEach((p, i) => {
    const q = fr?.points[i]?.context === p.context ? fr : undefined;
    lines.push(`| ${k(p.context)} | ${cols(ir, i)} | ${cols(q, i)} | ${q ? f(q.points[i].prefillCpuMs! / p.prefillCpuMs!, 2) : '—'} |`);
  });
  const fit = (r: ContextResult, key: 'prefillWallMs' | 'prefillCpuMs', from = 0) => {
    const pts = r.points.filter((p) => p.context >= from);
    return pts.length >= 3 ? linearFit(pts.map((p) => p.context), pts.map((p) => p[key]!)) : undefined;
  };
  const say = (name: string, r: ContextResult | undefined, from = 0) => {
    const w = r && fit(r, 'prefillWallMs', from);
    const c = r && fit(r, 'prefillCpuMs', from);
    if (!w || !c) return;
    lines.push(`${name}${from ? ` (lengths ≥ ${k(from)})` : ''}: linear fit of cumulative time — CPU ${f(c.slope, 2)} ms/token, R² ${f(c.r2, 4)}, largest residual ${f(100 * c.maxRelResidual)}%; wall ${f(w.slope, 2)} ms/token, R² ${f(w.r2, 4)}, largest residual ${f(100 * w.maxRelResidual)}%.`);
  };
  lines.push('');
  say('InfLLM', ir);
  say('InfLLM', ir, 8192);
  say('Full attention', fr);
  const last = ir.points.length - 1;
  if (last > 0) lines.push(`Segment CPU ms/token, last / first segment: InfLLM ${f(seg(ir, last, 'prefillCpuMs') / seg(ir, 0, 'prefillCpuMs'), 2)}x, full ${fr && fr.points.length > last ? f(seg(fr, last, 'prefillCpuMs') / seg(fr, 0, 'prefillCpuMs'), 2) + 'x' : '—'}.`);
  return lines;
}

function memorySection(d: InfllmBenchData): string[] {
  if (!d.knobs.parts.includes('memory')) return [];
  const runs: [string, ContextResult | undefined][] = [
    ['InfLLM f16, RAM', find(d, 'infllm', 'synthetic', 'f16')],
    ['InfLLM q8, RAM', find(d, 'infllm', 'synthetic', 'q8')],
    ['InfLLM f16, disk', find(d, 'infllm', 'synthetic', 'f16', 'disk')],
    ['InfLLM q8, disk', find(d, 'infllm', 'synthetic', 'q8', 'disk')],
    ['full (f32 KV)', find(d, 'full', 'synthetic')],
    ['InfLLM f16, RAM, real prefill', find(d, 'infllm', 'real')],
    ['full, real prefill', find(d, 'full', 'real')],
  ];
  const lines = [
    '#### Memory vs length (the memory\'s own stats; process RSS, and RSS minus RSS after the model load)',
    '',
    '| memory | context | blocks/layer | resident MiB | mapped MiB | RSS MiB | RSS − model MiB | decode ms (wall / CPU) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, r] of runs)
    for (const p of r?.points ?? [])
      if (d.knobs.memoryContexts.includes(p.context) || r!.task.route === 'real')
        lines.push(`| ${name} | ${k(p.context)} | ${p.nBlocks} | ${mib(p.bytesResident)} | ${mib(p.bytesMapped)} | ${mib(p.rssBytes)} | ${mib(p.rssBytes - r!.rssAfterLoadBytes)} | ${p.decode ? `${f(p.decode.wallMs)} / ${f(p.decode.cpuMs)}` : '—'} |`);
  return lines;
}

function saveOpenSection(d: InfllmBenchData): string[] {
  if (d.saveOpen.length === 0) return [];
  return [
    '#### Save / open (paper settings; page cache warm: the files were just written)',
    '',
    '| tokens | blocks | tier | blocks/layer | save ms | saved MiB | linked files | open ms (lazy) | first token after open ms | open + first token ms | next steps ms | step, never saved ms | open ms (verify all) |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...d.saveOpen.map(
      (r) =>
        `| ${k(r.task.tokens)} | ${r.task.kvType} | ${r.task.storage} | ${r.nBlocks} | ${f(r.saveMs, 0)} | ${mib(r.savedBytes)} | ${r.linkedFiles} | ${f(r.openMs)} | ` +
        `${f(r.firstStepMs)} | ${f(r.openMs + r.firstStepMs)} | ${f(r.stepAfterOpenMs)} | ${f(r.stepMs)} | ${f(r.openVerifyAllMs)} |`,
    ),
  ];
}

const OFFICIAL_CONFIG: Record<string, string> = { infllm: 'cfgB', 'infllm-b4': 'cfgC' };

function passkeySection(d: InfllmBenchData): string[] {
  if (d.passkey.length === 0) return [];
  const names = d.passkey.map((p) => p.task.method.name);
  const acc = (c: number, n: number) => `${c}/${n} (${f((100 * c) / n, 0)}%)`;
  const cells = (source: string, len: number) =>
    d.passkey.map((p) => {
      const r = p.rows.find((x) => x.source === source && x.length === len);
      return r ? acc(r.correct, r.n) : '—';
    });
  const gen = [...new Set(d.passkey.flatMap((p) => p.rows.filter((r) => r.source === 'generated').map((r) => r.length)))].sort((a, b) => a - b);
  const dev = [...new Set(d.passkey.flatMap((p) => p.rows.filter((r) => r.source === 'dev').map((r) => r.length)))].sort((a, b) => a - b);
  const lines = [
    `#### Passkey accuracy vs length (passkey-tiny, trained on 64–512 tokens; ${d.knobs.passkeyPrompts} generated prompts per length, depths evenly spread over [0, 1]; 5 greedy tokens, correct = all 5 digits)`,
    '',
    ...d.passkey.map((p) => `- ${p.task.method.name}: ${p.task.method.description}`),
    '',
    `| length | ${names.join(' | ')} |`,
    `|---:|${names.map(() => '---:').join('|')}|`,
    ...gen.map((n) => `| ${k(n)} | ${cells('generated', n).join(' | ')} |`),
  ];
  if (dev.length > 0) {
    lines.push('', 'Check of the generator: the official dev prompts (10 per length) vs generated prompts of the same lengths; official InfLLM (torch, f32) in brackets, and how many generated ids equal the official ones.', '');
    lines.push(`| length | ${names.map((n) => `${n}: dev | ${n}: generated`).join(' | ')} |`, `|---:|${names.map(() => '---:|---:').join('|')}|`);
    for (const n of dev) {
      const row = d.passkey.map((p) => {
        const r = p.rows.find((x) => x.source === 'dev' && x.length === n);
        const g = p.rows.find((x) => x.source === 'generated' && x.length === n);
        const off = d.officialDev.find((o) => o.config === OFFICIAL_CONFIG[p.task.method.name] && o.length === n);
        const same = off && r ? r.outcomes.filter((o, i) => JSON.stringify(o.generated) === JSON.stringify(off.generated_ids[i])).length : undefined;
        const devCell = r ? `${acc(r.correct, r.n)}${off ? ` [official ${off.correct}/${off.n}; same ids ${same}/${r.n}]` : ''}` : '—';
        return `${devCell} | ${g ? acc(g.correct, g.n) : '—'}`;
      });
      lines.push(`| ${k(n)} | ${row.join(' | ')} |`);
    }
  }
  const ms = d.passkey.map((p) => `${p.task.method.name} ${p.rows.filter((r) => r.source === 'generated').map((r) => `${k(r.length)} ${f(r.msPerPrompt / 1000)} s`).join(', ')}`);
  lines.push('', `Time per prompt (${d.knobs.passkeyThreads} thread): ${ms.join('; ')}.`);
  return lines;
}

export function infllmMarkdown(d: InfllmBenchData): string {
  const m = d.machineStart;
  const header = [
    `### infllm: InfLLM vs full attention (random ${d.preset} shape, ${d.knobs.weightType}, ${d.knobs.threads} threads)`,
    '',
    `CPU ${m.cpuModel} (${m.logicalCpus} logical), ${mib(m.totalMemBytes)} MiB RAM (${mib(m.freeMemBytes)} free at start). Load average at start ${load(m)}, at end ${load(d.machineEnd)}. ` +
      `Run time ${f(d.totalSeconds / 60)} min. InfLLM: paper settings (n_init 128, n_local 4096, block 128, topk 16, repr 4, chunk 512), f16 blocks unless stated. ` +
      `Full attention only up to ${k(d.knobs.fullMaxContext)} tokens (its f32 KV cache, ${f(d.knobs.fullBytesPerToken / 1024)} KiB/token, must fit in 40% of the free memory; INFLLM_BENCH_FULL_MAX_CONTEXT).`,
  ];
  const runs = ['#### Run log', '', '| measurement | minutes | load average before → after (1 min) |', '|---|---:|---:|',
    ...d.runs.map((r) => `| ${r.label} | ${f(r.seconds / 60)} | ${f(r.loadavgStart[0], 2)} → ${f(r.loadavgEnd[0], 2)} |`)];
  const sections = [decodeSection(d), prefillSection(d), memorySection(d), saveOpenSection(d), passkeySection(d)].filter((s) => s.length > 0);
  return [header, ...sections, runs].map((s) => s.join('\n')).join('\n\n');
}
