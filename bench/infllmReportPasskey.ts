/**
 * Markdown of the passkey part of the "infllm" suite: accuracy per method and length on generated
 * prompts, and the check of the generator (official dev prompts vs generated ones, official InfLLM
 * results and identical generated ids beside them).
 */
import { f, k } from './infllmFormat.js';
import type { InfllmBenchData } from './infllmReport.js';

const OFFICIAL_CONFIG: Record<string, string> = { infllm: 'cfgB', 'infllm-b4': 'cfgC' };

/** The passkey accuracy table and the check of the generator on the dev prompts. */
export function passkeySection(d: InfllmBenchData): string[] {
  if (d.passkey.length === 0) return [];
  const names = d.passkey.map((p) => p.task.method.name);
  const acc = (c: number, n: number) => `${c}/${n} (${f((100 * c) / n, 0)}%)`;
  const cells = (source: string, len: number) =>
    d.passkey.map((p) => {
      const r = p.rows.find((x) => x.source === source && x.length === len);
      return r ? acc(r.correct, r.n) : p.task.method.name === 'full' && len > d.knobs.passkeyFullMax ? 'not run (INFLLM_BENCH_PASSKEY_FULL_MAX)' : '—';
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

