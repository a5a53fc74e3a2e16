/**
 * Markdown of the cost parts of the "infllm" suite: decode vs context (with the 1.3x target check
 * and full attention's ratios), real prefill vs length (linear fit, segment growth), decode after
 * real prefill vs after the synthetic fill, memory vs length, save/open.
 */
import type { DecodePoint, DecodeResult } from './infllmDecode.js';
import { f, k, linearFit, mib } from './infllmFormat.js';
import type { PrefillPoint } from './infllmPrefill.js';
import type { InfllmBenchData } from './infllmReport.js';
import { ratioOfRounds, type DecodeTiming } from './infllmSteps.js';

/** Ratios of 1-thread runs use CPU time (immune to preemption), others wall time. */
const metric = (threads: number): 'cpuMs' | 'wallMs' => (threads === 1 ? 'cpuMs' : 'wallMs');
const ms = (t: DecodeTiming | undefined): string => (t ? `${f(t.medianWallMs)} / ${f(t.medianCpuMs)}` : '—');
const pointOf = (r: DecodeResult, attention: string, n: number): DecodePoint | undefined =>
  r.points.find((p) => p.attention === attention && p.context === n);

export function decodeSection(d: InfllmBenchData): string[] {
  if (d.decode.length === 0) return [];
  const contexts = d.decode[0].task.contexts;
  const [lo, hi] = [contexts[0], contexts[contexts.length - 1]];
  const cell = (r: DecodeResult, attention: string, n: number): string => {
    const p = pointOf(r, attention, n);
    if (!p) return attention === 'full' && n > r.task.fullMaxContext ? `skipped (KV ${f((n * d.knobs.fullBytesPerToken) / 2 ** 30)} GiB)` : '—';
    return `${ms(p.timing)} (${f(ratioOfRounds(p.timing, pointOf(r, attention, lo)?.timing, metric(r.task.threads)), 2)}x)`;
  };
  const vs = (r: DecodeResult, n: number) => f(ratioOfRounds(pointOf(r, 'full', n)?.timing, pointOf(r, 'infllm', n)?.timing, metric(r.task.threads)), 2);
  const head = d.decode.map((r) => `InfLLM, ${r.task.threads} thr | full, ${r.task.threads} thr | full / InfLLM, ${r.task.threads} thr`);
  const lines = [
    `#### Decode ms/token vs context (wall / process CPU, medians of ${d.knobs.decodeSteps} interleaved rounds; in brackets the ratio to ${k(lo)}, median of per-round ratios: wall time on 2 threads, CPU time on 1 thread)`,
    '',
    'Every context was reached with the benchmark-only native fill (`_testing.bench.fillSyntheticContext`: random keys/values through the memory\'s own bookkeeping, no model compute; decode cost does not depend on the values). All sessions of a column group decode in interleaved rounds in one process, so ratios compare steps made under the same load. Decode after real prefill is compared with it below.',
    '',
    `| context | ${head.join(' | ')} |`,
    `|---:|${d.decode.map(() => '---:|---:|---:').join('|')}|`,
    ...contexts.map((n) => `| ${k(n)} | ${d.decode.map((r) => `${cell(r, 'infllm', n)} | ${cell(r, 'full', n)} | ${vs(r, n)}`).join(' | ')} |`),
    '',
  ];
  for (const r of d.decode) {
    const ratio = (a: string, n: number) => ratioOfRounds(pointOf(r, a, n)?.timing, pointOf(r, a, lo)?.timing, metric(r.task.threads));
    const x = ratio('infllm', hi);
    const fullHi = Math.max(...r.points.filter((p) => p.attention === 'full').map((p) => p.context));
    lines.push(
      `Target (${r.task.threads} thread${r.task.threads > 1 ? 's' : ''}, ${metric(r.task.threads) === 'cpuMs' ? 'CPU' : 'wall'}): InfLLM decode at ${k(hi)} within 1.3x of ${k(lo)}: ${f(x, 2)}x → ${x <= 1.3 ? 'met' : 'NOT met'}. ` +
        (fullHi > lo ? `Full attention at ${k(fullHi)} vs ${k(lo)}: ${f(ratio('full', fullHi), 2)}x; full / InfLLM at ${k(fullHi)}: ${vs(r, fullHi)}x.` : ''),
    );
  }
  return lines;
}

/** Decode after real prefill vs after the synthetic fill (from the prefill run). */
function realVsSynthetic(d: InfllmBenchData): string[] {
  const p = d.prefill[0];
  if (!p || p.decode.length === 0) return [];
  const r = (a: DecodeTiming | undefined, b: DecodeTiming | undefined) => f(ratioOfRounds(a, b, 'wallMs'), 2);
  return [
    '',
    `Decode after real prefill vs after the synthetic fill to the same context (${p.task.threads} threads, 4 sessions in interleaved rounds; wall / CPU ms, ratios of wall time):`,
    '',
    '| context | InfLLM, real | InfLLM, synthetic | synthetic / real | full, real | full, synthetic | synthetic / real | full / InfLLM (real) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...p.decode.map(
      (x) =>
        `| ${k(x.context)} | ${ms(x.real.infllm)} | ${ms(x.synthetic.infllm)} | ${r(x.synthetic.infllm, x.real.infllm)} | ` +
        `${ms(x.real.full)} | ${ms(x.synthetic.full)} | ${r(x.synthetic.full, x.real.full)} | ${r(x.real.full, x.real.infllm)} |`,
    ),
  ];
}

export function prefillSection(d: InfllmBenchData): string[] {
  const p = d.prefill[0];
  if (!p) return [];
  const cols = (q: PrefillPoint | undefined): string =>
    q
      ? `${f(q.wallMs / 1000)} / ${f(q.cpuMs / 1000)} | ${f((1000 * q.context) / q.wallMs)} / ${f((1000 * q.context) / q.cpuMs)} | ` +
        `${f(q.segmentMedianWallMsPerToken, 2)} / ${f(q.segmentMedianCpuMsPerToken, 2)}`
      : '— | — | —';
  const lines = [
    `#### Prefill vs length (real prefill of random tokens from an empty session, calls of ${p.task.callTokens} alternating between the InfLLM and the full-attention session; each cell wall / CPU)`,
    '',
    '| length | InfLLM s | InfLLM tok/s | InfLLM ms/token, median call of the segment | full s | full tok/s | full ms/token, median call | full / InfLLM (cumulative wall) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...p.infllm.map((q, i) => {
      const r = p.full.find((x) => x.context === q.context);
      return `| ${k(q.context)} | ${cols(q)} | ${cols(r)} | ${r ? f(r.wallMs / q.wallMs, 2) : '—'} |`;
    }),
    '',
  ];
  const say = (name: string, pts: PrefillPoint[], from = 0) => {
    const sel = pts.filter((q) => q.context >= from);
    if (sel.length < 3) return;
    const w = linearFit(sel.map((q) => q.context), sel.map((q) => q.wallMs));
    const c = linearFit(sel.map((q) => q.context), sel.map((q) => q.cpuMs));
    lines.push(
      `${name}${from ? ` (lengths ≥ ${k(from)})` : ''}: linear fit of cumulative time: wall ${f(w.slope, 2)} ms/token, R² ${f(w.r2, 4)}, largest residual ${f(100 * w.maxRelResidual)}%; ` +
        `CPU ${f(c.slope, 2)} ms/token, R² ${f(c.r2, 4)}, largest residual ${f(100 * c.maxRelResidual)}%.`,
    );
  };
  say('InfLLM', p.infllm);
  say('InfLLM', p.infllm, 8192);
  say('Full attention', p.full);
  const growth = (pts: PrefillPoint[]) => (pts.length > 1 ? f(pts[pts.length - 1].segmentMedianWallMsPerToken / pts[0].segmentMedianWallMsPerToken, 2) + 'x' : '—');
  lines.push(`Median-call ms/token, last segment / first segment (wall): InfLLM ${growth(p.infllm)}, full ${growth(p.full)}.`);
  return [...lines, ...realVsSynthetic(d)];
}

export function memorySection(d: InfllmBenchData): string[] {
  if (d.memory.length === 0) return [];
  const lines = [
    '#### Memory vs length (synthetic fill; the memory\'s own stats, process RSS, and RSS minus RSS after the model load; one process per configuration)',
    '',
    '| memory | context | blocks/layer | resident MiB | mapped MiB | RSS MiB | RSS − model MiB | decode ms, wall / CPU (indicative) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of d.memory) {
    const name = r.task.attention === 'full' ? 'full (f32 KV)' : `InfLLM ${r.task.infllm?.kvType ?? 'f16'}, ${r.task.storage === 'disk' ? 'disk' : 'RAM'}`;
    for (const p of r.points)
      lines.push(`| ${name} | ${k(p.context)} | ${p.nBlocks} | ${mib(p.bytesResident)} | ${mib(p.bytesMapped)} | ${mib(p.rssBytes)} | ${mib(p.rssBytes - r.rssAfterLoadBytes)} | ${ms(p.decode)} |`);
  }
  return lines;
}

export function saveOpenSection(d: InfllmBenchData): string[] {
  if (d.saveOpen.length === 0) return [];
  return [
    '#### Save / open (paper settings, synthetic fill; page cache warm: the files were just written)',
    '',
    '| tokens | blocks | tier | blocks/layer | save ms | saved MiB | linked files | open ms (lazy) | first token after open ms | open + first token ms | next steps ms | same steps, never saved ms | open ms (verify all) |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...d.saveOpen.map(
      (r) =>
        `| ${k(r.task.tokens)} | ${r.task.kvType} | ${r.task.storage} | ${r.nBlocks} | ${f(r.saveMs, 0)} | ${mib(r.savedBytes)} | ${r.linkedFiles} | ${f(r.openMs)} | ` +
        `${f(r.firstStepMs)} | ${f(r.openMs + r.firstStepMs)} | ${f(r.stepAfterOpenMs)} | ${f(r.stepMs)} | ${f(r.openVerifyAllMs)} |`,
    ),
  ];
}
