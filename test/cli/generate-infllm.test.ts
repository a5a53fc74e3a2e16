/**
 * `infllm generate --attention infllm` through the built binary (node bin/infllm.js; needs
 * `npm run build:ts`): every official cfgA golden run reproduced with the flag that selects its
 * flow (none = single_call, --split-last = greedy_search, --prefill-call 100 = chunked) — ids,
 * per-step trace against `model_calls` and `retrieval`, scores and --dump-logits logits; the
 * cfgB settings of the golden README through each flow (held-out data: the CLI must agree with
 * the binding and the spec's bookkeeping); a passkey prompt; bad --infllm / flow flags.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeModel } from '../../engine/binding/ModelBinding.js';
import type { RecordJson, StepJson, StepLogitsJson } from '../../engine/cli/generateJson.js';
import { makeTempDir, runCli } from '../helpers/gguf.js';
import { loadModel, maxAbsDiff } from '../helpers/golden.js';
import { readInfllmGolden, replayRun, runTokens, type GoldenConfig, type GoldenRun, type OurRetrieval } from '../helpers/infllmGolden.js';
import { compareRun, type ReplayCalls } from '../helpers/infllmGoldenCompare.js';
import { decodeF32, sharedPath } from '../helpers/shared.js';

const MODEL = sharedPath('models', 'stories260K.gguf');
const official = readInfllmGolden(sharedPath('golden', 'infllm', 'infllm_cfgA.json'));
const CFG_B: GoldenConfig = { ...official.config, n_init: 8, n_local: 128, block_size: 32, topk: 2, repr_topk: 4, exc_block_size: 32 };
/** Tolerances as in test/model/infllm-golden.test.ts (justified there). */
const LOGIT_TOL = 1e-4;
const SCORE_TOL_REL = 2e-5;

const tmp = makeTempDir('cli-infllm');
afterAll(() => tmp.cleanup());

const spec = (c: GoldenConfig, compat: 0 | 1): string =>
  `n_init=${c.n_init},n_local=${c.n_local},block=${c.block_size},topk=${c.topk},repr=${c.repr_topk},chunk=${c.exc_block_size},cache=${c.max_cached_block},compat=${compat}`;

/** The flag that reproduces a golden flow's model calls. */
const FLOW_FLAGS: Record<GoldenRun['flow'], string[]> = {
  single_call: [],
  greedy_search: ['--split-last'],
  greedy_search_chunked: ['--prefill-call', '100'],
};

interface GenerateJson {
  ids: number[];
  trace: StepJson[];
  step_logits: StepLogitsJson[];
}

/** Runs `infllm generate --json --dump-logits` on the run's prompt; 25 tokens = the golden's 26/25/31 calls. */
function generate(run: GoldenRun, cfg: GoldenConfig, compat: 0 | 1): GenerateJson {
  const file = join(tmp.dir, `${run.prompt}.json`);
  writeFileSync(file, JSON.stringify(run.prompt_ids));
  const args = ['generate', MODEL, '--tokens', file, '-n', '25', '--ignore-eog', '--json', '--dump-logits', '--infllm', spec(cfg, compat)];
  const r = runCli([...args, ...FLOW_FLAGS[run.flow]]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as GenerateJson;
}

/** The CLI output as the golden comparison's replay: per-call logits and records tagged with their call. */
function asReplay(out: GenerateJson): ReplayCalls {
  const retrieval: OurRetrieval[] = out.trace.flatMap((s) =>
    s.records.map((r: RecordJson) => ({
      call: s.step,
      layer: r.layer,
      q_start: r.q_start,
      q_len: r.q_len,
      num_global_block: r.n_blocks,
      mode: r.scored ? ('topk' as const) : ('all' as const),
      selected: r.blocks.map((b) => b.id),
      scores: r.blocks.map((b) => b.score ?? NaN),
      initLen: r.init_len,
      tailLen: r.tail_len,
    })),
  );
  return { callLogits: out.step_logits.map((s) => decodeF32(s.logits_b64)), retrieval };
}

describe('infllm generate: official cfgA golden runs (compat=1)', () => {
  for (const run of official.runs) {
    it(`${run.prompt} ${run.flow} (${FLOW_FLAGS[run.flow].join(' ') || 'no flow flag'})`, () => {
      const out = generate(run, official.config, 1);
      expect(out.ids.slice(0, 24)).toEqual(run.generated_ids);
      expect(out.ids[24]).toBe(run.steps[24].argmax);
      expect(out.trace.map((s) => s.tokens)).toEqual(run.model_calls);
      expect(out.step_logits.map((s) => s.tokens)).toEqual(run.model_calls);
      const P = run.prompt_ids.length;
      expect(out.trace.map((s) => s.kind)).toEqual(run.model_calls.map(([, b]) => (b <= P ? 'prefill' : 'decode')));
      for (const s of out.trace)
        for (const r of s.records)
          for (const b of r.blocks) expect([b.begin, b.end]).toEqual([4 + 16 * b.id, 4 + 16 * (b.id + 1)]);
      const c = compareRun(run, asReplay(out));
      expect(c.examples).toEqual([]);
      expect(c).toMatchObject({ metaMismatches: 0, selectionMismatches: 0, nearTies: 0, layoutMismatches: 0, tokenMismatches: 0 });
      expect(c.maxScoreErrRel).toBeLessThan(SCORE_TOL_REL);
      expect(c.maxStepDiff).toBeLessThan(LOGIT_TOL);
      expect(c.maxIntermediateDiff).toBeLessThan(LOGIT_TOL);
    });
  }
});

describe('infllm generate: cfgB settings through every flow (held-out golden data)', () => {
  let model: NativeModel;
  beforeAll(async () => {
    model = await loadModel(MODEL);
  });
  afterAll(() => model.dispose());

  const blocks = (t: number): number => Math.max(0, Math.floor((t - CFG_B.n_init - CFG_B.n_local) / CFG_B.block_size));
  for (const run of official.runs.filter((r) => r.prompt === 'P2_tim_tower'))
    for (const compat of [1, 0] as const)
      it(`P2 ${run.flow}, compat=${compat}: calls, bookkeeping, and the binding's selections, logits and ids`, async () => {
        const out = generate(run, CFG_B, compat);
        expect(out.trace.map((s) => s.tokens)).toEqual(run.model_calls);
        for (const s of out.trace) {
          const [a, b] = s.tokens;
          expect(s.records).toHaveLength(5 * Math.ceil((b - a) / CFG_B.exc_block_size));
          for (const r of s.records) {
            expect(r.n_blocks).toBe(blocks(r.q_start));
            expect(r.init_len).toBe(Math.min(CFG_B.n_init, Math.max(0, r.q_start - CFG_B.n_local)));
            expect(r.scored).toBe(r.n_blocks > CFG_B.topk);
            expect(r.blocks).toHaveLength(Math.min(CFG_B.topk, r.n_blocks));
            for (const bl of r.blocks) expect([bl.begin, bl.end]).toEqual([8 + 32 * bl.id, 8 + 32 * (bl.id + 1)]);
          }
        }
        // The same calls through the binding (teacher-forced with the CLI's own ids) agree exactly
        // on selections and to float32 noise on logits (different processes, same kernels).
        const forced: GoldenRun = { ...run, steps: run.steps.map((st, s) => ({ ...st, input_id: s === 0 ? st.input_id : out.ids[s - 1] })) };
        expect(runTokens(forced).subarray(0, run.prompt_ids.length)).toEqual(Int32Array.from(run.prompt_ids));
        const rep = await replayRun(model, forced, { attention: 'infllm', infllm: { ...settings(CFG_B), compat: compat === 1 } });
        const cli = asReplay(out);
        expect(cli.retrieval.map((r) => [r.call, r.layer, r.q_start, r.num_global_block, r.selected, r.initLen, r.tailLen])).toEqual(
          rep.retrieval.map((r) => [r.call, r.layer, r.q_start, r.num_global_block, r.selected, r.initLen, r.tailLen]),
        );
        cli.callLogits.forEach((l, c) => expect(maxAbsDiff(l, rep.callLogits[c])).toBeLessThan(1e-5));
      });
});

function settings(c: GoldenConfig) {
  return { nInit: c.n_init, nLocal: c.n_local, blockSize: c.block_size, topk: c.topk, reprTopk: c.repr_topk, chunk: c.exc_block_size, cache: c.max_cached_block, kvType: 'f32' as const };
}

describe('infllm generate: passkey and bad flags', () => {
  it('a 2K passkey prompt with the main setting gives the official ids (and the pass key)', () => {
    const set = JSON.parse(readFileSync(sharedPath('passkey', 'dev_2048.json'), 'utf8'));
    const off = JSON.parse(readFileSync(sharedPath('passkey', 'official_dev_results.json'), 'utf8'));
    const want = off.find((o: { config: string; length: number }) => o.config === 'cfgB' && o.length === 2048).generated_ids[3];
    const file = join(tmp.dir, 'passkey.json');
    writeFileSync(file, JSON.stringify(set.prompts[3].prompt_ids));
    const flags = ['--infllm', 'n_init=4,n_local=256,block=2,topk=64,repr=2,chunk=128,cache=64,compat=1', '--split-last'];
    const r = runCli(['generate', sharedPath('passkey', 'passkey-tiny.gguf'), '--tokens', file, '-n', '5', '--ignore-eog', '--json', ...flags]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ids).toEqual(want);
    expect(out.ids).toEqual(set.prompts[3].answer_ids);
    expect(out.trace.map((s: StepJson) => s.tokens.join('-'))).toEqual(['0-2047', '2047-2048', '2048-2049', '2049-2050', '2050-2051', '2051-2052']);
  });

  it('bad --infllm values and flow flags: exit 1, one line naming the problem', () => {
    const file = join(tmp.dir, 'small.json');
    writeFileSync(file, JSON.stringify([1, 403, 407]));
    const base = ['generate', MODEL, '--tokens', file];
    const cases: [string[], RegExp][] = [
      [['--infllm', 'n_init=4,window=64'], /--infllm: unknown key "window"/],
      [['--infllm', 'block=0'], /blockSize must be in \[1, /],
      [['--infllm', 'repr=8,block=4'], /reprTopk \(8\) must be <= blockSize \(4\)/],
      [['--infllm', 'topk=8,cache=4'], /cache \(4\) must be >= topk \(8\)/],
      [['--infllm', 'compat=yes'], /compat must be a non-negative integer/],
      [['--infllm', 'topk=-1'], /topk must be a non-negative integer/],
      [['--infllm', 'topk=2,topk=3'], /given twice/],
      [['--infllm', 'n_local'], /"n_local" is not key=value/],
      [['--prefill-call', '0'], /--prefill-call must be an integer >= 1/],
      [['--prefill-call', 'x'], /--prefill-call must be an integer/],
      [['--dump-logits'], /--dump-logits needs --json/],
    ];
    for (const [flags, message] of cases) {
      const r = runCli([...base, '--attention', 'infllm', ...flags]);
      const what = flags.join(' ');
      expect(r.status, what).toBe(1);
      expect(r.stdout, what).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, what).toHaveLength(1);
      expect(lines[0], what).toMatch(message);
    }
  });
});
