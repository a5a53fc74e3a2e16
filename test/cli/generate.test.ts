/**
 * `infllm logits` / `infllm generate` through the built binary (node bin/infllm.js, needs
 * `npm run build:ts`): JSON shapes, logits and greedy ids against llama.cpp's golden data,
 * InfLLM ids and per-step retrieval against the official InfLLM golden run, streamed text, and
 * exit code 1 with one error line for bad flags.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../engine/binding/loadBinding.js';
import { makeTempDir, runCli, type CliRun } from '../helpers/gguf.js';
import { decodeF32, sharedPath } from '../helpers/shared.js';

const infllm = (args: string[]): CliRun => runCli(args, { timeoutMs: 120_000 });

interface GoldenCase {
  id: string;
  prompt: string;
  tokens: number[];
  logits_last: { base64: string };
  greedy: { tokens: number[]; text: string; step_top5: { id: number; logit: number }[][] };
}
const golden = JSON.parse(readFileSync(sharedPath('golden', 'stories260K.golden.json'), 'utf8')).cases as GoldenCase[];
const byId = (id: string) => golden.find((c) => c.id === id) as GoldenCase;
const model = sharedPath('models', 'stories260K.gguf');

const tmp = makeTempDir('cli-gen');
const dir = tmp.dir;
const tokenFile = (name: string, ids: number[]) => {
  const p = join(dir, `${name}.json`);
  writeFileSync(p, JSON.stringify(ids));
  return p;
};

beforeAll(() => {
  if (!existsSync(join(packageRoot(), 'dist', 'engine', 'cli', 'main.js'))) throw new Error('run "npm run build:ts" first');
});
afterAll(() => tmp.cleanup());

describe('infllm logits', () => {
  it('prints {n_vocab, logits} of the last position, within 1e-4 of llama.cpp (full and short-context InfLLM)', () => {
    const c = byId('punct_bytes__bos');
    const ref = decodeF32(c.logits_last.base64);
    const file = tokenFile('punct', c.tokens);
    // InfLLM with n_local 64 > 32 tokens attends everything, like full attention (golden/infllm README §7).
    for (const extra of [[], ['--attention', 'infllm', '--infllm', 'n_init=4,n_local=64,block=16,topk=4,repr=2,chunk=16,cache=8']]) {
      const r = infllm(['logits', model, '--tokens', file, ...extra]);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(Object.keys(out)).toEqual(['n_vocab', 'logits']);
      expect(out.n_vocab).toBe(512);
      expect(out.logits).toHaveLength(512);
      // Tolerance from shared/golden/README.md (stories260K logits within about 1e-4).
      for (let i = 0; i < 512; i++) expect(Math.abs(out.logits[i] - ref[i])).toBeLessThan(1e-4);
    }
  });
});

describe('infllm generate', () => {
  it('--json: greedy ids and text equal the golden continuation; top logits per step; timings', () => {
    const c = byId('lily_tom__bos');
    const r = infllm(['generate', model, '--tokens', tokenFile('lily', c.tokens), '-n', '32', '--ignore-eog', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['ids', 'stop_reason', 'text', 'timings', 'top_logits', 'trace']);
    expect(out.ids).toEqual(c.greedy.tokens);
    expect(out.text).toBe(c.greedy.text);
    expect(out.stop_reason).toBe('length');
    expect(out.trace).toBeNull();
    expect(out.top_logits).toHaveLength(32);
    out.top_logits.forEach((top: { id: number; logit: number }[], s: number) => {
      expect(top).toHaveLength(5);
      expect(top[0].id).toBe(c.greedy.tokens[s]);
      // Rank by rank the values agree within the logits tolerance (ids may swap inside near-ties).
      top.forEach((t, k) => expect(Math.abs(t.logit - c.greedy.step_top5[s][k].logit)).toBeLessThan(1e-4));
    });
    expect(out.timings).toMatchObject({ prompt_tokens: c.tokens.length, decode_tokens: 31 });
    for (const v of Object.values(out.timings)) expect(typeof v).toBe('number');
  });

  it('streams exactly the golden text for a text prompt', () => {
    const c = byId('once_upon__bos');
    const r = infllm(['generate', model, '--prompt', c.prompt, '-n', '32', '--ignore-eog']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(c.greedy.text);
  });

  it('InfLLM: ids and per-step retrieval equal the official InfLLM run (cfgA, P2; single call and split last)', () => {
    const g = JSON.parse(readFileSync(sharedPath('golden', 'infllm', 'infllm_cfgA.json'), 'utf8'));
    const spec = 'n_init=4,n_local=64,block=16,topk=4,repr=2,chunk=16,cache=128,compat=1,kv=f32'; // golden data: exact f32 blocks
    for (const [flow, extra] of [['single_call', []], ['greedy_search', ['--split-last']]] as const) {
      const run = g.runs.find((x: { prompt: string; flow: string }) => x.prompt === 'P2_tim_tower' && x.flow === flow);
      const r = infllm(['generate', model, '--tokens', tokenFile(flow, run.prompt_ids), '-n', '24', '--ignore-eog', '--json', '--infllm', spec, ...extra]);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.ids).toEqual(run.generated_ids);
      // One trace step per model call; the 24th generated token is never fed, so one call fewer.
      expect(out.trace.map((s: { tokens: number[] }) => s.tokens)).toEqual(run.model_calls.slice(0, -1));
      type Rec = { layer: number; q_start: number; blocks: { id: number; begin: number; end: number }[] };
      out.trace.forEach((step: { step: number; records: Rec[] }, c: number) => {
        expect(step.step).toBe(c);
        const expected = run.retrieval.filter((e: { call: number }) => e.call === c);
        expect(step.records.map((x) => [x.layer, x.q_start])).toEqual(expected.map((e: Rec) => [e.layer, e.q_start]));
        step.records.forEach((rec, i) => {
          // Selections are exact here (test/model/infllm-golden.test.ts needs no near-tie rule).
          expect(rec.blocks.map((b) => b.id)).toEqual([...expected[i].selected].sort((a: number, b: number) => a - b));
          for (const b of rec.blocks) expect([b.begin, b.end]).toEqual([4 + 16 * b.id, 20 + 16 * b.id]);
        });
      });
    }
  });

  it('bad flags and inputs: exit 1 with one line on stderr, nothing on stdout', () => {
    const good = tokenFile('good', [1, 2, 3]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1, "x"]');
    const cases: [string[], RegExp][] = [
      [['generate', model, '--prompt', 'x', '--bogus'], /unknown option --bogus/],
      [['generate', model], /exactly one of --prompt/],
      [['generate', model, '--prompt', 'x', '--tokens', good], /exactly one of --prompt/],
      [['generate', model, '--prompt', 'x', '--temp', 'hot'], /--temp must be a number/],
      [['generate', model, '--prompt', 'x', '-n', '2.5'], /--n-predict must be an integer/],
      [['generate', model, '--prompt', 'x', '--temp', '-1'], /ambiguous/],
      [['generate', model, '--prompt', 'x', '--temp=-1'], /temperature must be a number >= 0/],
      [['generate', model, '--prompt', 'x', '--top-p', '1.5'], /topP must be in \(0, 1\]/],
      [['generate', model, '--prompt', 'x', '--attention', 'sparse'], /--attention must be "full" or "infllm"/],
      [['generate', model, '--prompt', 'x', '--attention', 'full', '--infllm', 'topk=2'], /--infllm needs --attention infllm/],
      [['generate', model, '--prompt', 'x', '--infllm', 'size=3'], /unknown key "size"/],
      [['generate', model, '--prompt', 'x', '--infllm', 'topk=two'], /topk must be a non-negative integer/],
      [['generate', model, '--prompt', 'x', '--infllm', 'compat=2'], /compat must be 0 or 1/],
      [['generate', model, '--prompt', 'x', '--infllm', 'n_local=64,chunk=100'], /chunk \(100\) must be <= nLocal \(64\)/],
      [['generate', model, '--tokens', bad], /JSON array of integer token ids/],
      [['generate', model, '--tokens', tokenFile('oob', [1, 512])], /not an id in \[0, 512\)/],
      [['generate', join(dir, 'missing.gguf'), '--prompt', 'x'], /FILE_NOT_FOUND/],
      [['logits', model], /--tokens <ids.json> is required/],
      [['logits', model, '--tokens', tokenFile('empty', [])], /nothing to evaluate/],
      [['logits', model, '--tokens', good, '--ctx', '2'], /do not fit/],
    ];
    for (const [args, message] of cases) {
      const r = infllm(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0], args.join(' ')).toMatch(message);
    }
  });
});
