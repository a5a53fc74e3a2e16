/**
 * InfLLM against the official code (../shared/golden/infllm, README there): every cfgA run of
 * the official file (compat = 1, the issue-#61 prefill mask) and of the issue61fix file
 * (compat = 0) is replayed call for call on stories260K (one eval per `model_calls` entry,
 * teacher-forced with the golden inputs) and compared entry by entry: retrieval metadata and
 * selected sets, selected scores, chunk layouts (init and tail lengths), intermediate, prefill and
 * step logits, greedy tokens and the final state. compat = 0 is also run against the official file
 * to count how far the intended mask moves things. full_attention.json checks our full-attention
 * session; short_prompt_check.json checks InfLLM = full attention while context <= n_local (O1).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeModel, NativeSession } from '../../engine/binding/ModelBinding.js';
import { argmax, loadModel, maxAbsDiff } from '../helpers/golden.js';
import { goldenLogits, readInfllmGolden, replayRun, settingsOf, type GoldenConfig, type GoldenRun } from '../helpers/infllmGolden.js';
import { compareRun, goldenSelectionDiffs, selectionVerdict } from '../helpers/infllmGoldenCompare.js';
import { sharedPath } from '../helpers/shared.js';

/**
 * Logits: README §7 — the official float32 numbers move by up to 2.9e-5 when the same code runs
 * in float64 (and 2.2e-5 with 8 threads), so the golden logits are themselves ~3e-5 from exact
 * math. An independent float32 implementation carries an error of the same kind and size, so the
 * two can be ~6e-5 apart; 1e-4 (the README's suggestion) leaves 1.6x headroom. Observed: <= 2e-5.
 * Far below the smallest top-1/top-2 gap that decides a greedy token here (tokens are checked exactly).
 */
const LOGIT_TOL = 1e-4;
/**
 * Relevance scores (Σ_h <mean rotated query, repr>, 64-term float32 dot products of values that
 * come out of a 5-layer float32 forward): they inherit the same ~3e-6 relative drift as the
 * activations (3e-5 on logits of size ~12), and cancellation inside the sum can raise the error of
 * a small score relative to itself, so the error is measured against the entry's largest |score|.
 * 2e-5 of that scale is ~7x the 3e-6 drift; observed <= ~3e-6.
 */
const SCORE_TOL_REL = 2e-5;

const official = readInfllmGolden(sharedPath('golden', 'infllm', 'infllm_cfgA.json'));
const fixed = readInfllmGolden(sharedPath('golden', 'infllm', 'infllm_cfgA_issue61fix.json'));
const runName = (r: GoldenRun): string => `${r.prompt} ${r.flow}`;

let model: NativeModel;
beforeAll(async () => {
  model = await loadModel(sharedPath('models', 'stories260K.gguf'));
});
afterAll(() => model.dispose());

for (const { label, file, compat } of [
  { label: 'official (compat=1)', file: official, compat: true },
  { label: 'issue61fix (compat=0)', file: fixed, compat: false },
]) {
  describe(`InfLLM golden cfgA, ${label}`, () => {
    it('the file is cfgA with the 7 runs of README §4', () => {
      expect(file.config).toMatchObject({ n_init: 4, n_local: 64, block_size: 16, topk: 4, repr_topk: 2, exc_block_size: 16 });
      expect(file.runs.map(runName)).toHaveLength(7);
    });
    for (const run of file.runs) {
      it(`${runName(run)}: selections, scores, layout, logits, tokens, final state`, async () => {
        const rep = await replayRun(model, run, { attention: 'infllm', infllm: settingsOf(file.config, compat) });
        const c = compareRun(run, rep);
        const tails = rep.retrieval.filter((r) => r.tailLen > 0).length;
        console.log(
          `${label} ${runName(run)}: ${run.retrieval.length} entries (${c.scoredEntries} scored, ${tails} with a tail), ` +
            `max |Δlogit| ${c.maxStepDiff.toExponential(2)} (intermediate ${c.maxIntermediateDiff.toExponential(2)}), ` +
            `max score error ${c.maxScoreErrAbs.toExponential(2)} abs / ${c.maxScoreErrRel.toExponential(2)} of scale`,
        );
        expect(c.examples).toEqual([]);
        expect(c).toMatchObject({ metaMismatches: 0, selectionMismatches: 0, nearTies: 0, layoutMismatches: 0, tokenMismatches: 0 });
        expect(c.scoredEntries).toBeGreaterThan(50); // the run exercises scored top-k, not just "all"
        expect(c.maxScoreErrRel).toBeLessThan(SCORE_TOL_REL);
        expect(c.maxStepDiff).toBeLessThan(LOGIT_TOL);
        expect(c.maxIntermediateDiff).toBeLessThan(LOGIT_TOL);
        const fs = run.final_state;
        expect(rep.stats).toEqual({ nTokens: fs.length, nBlocks: fs.num_global_block, initLen: fs.init_len });
      });
    }
  });
}

/** Calls of a run that consume prompt tokens only (identical inputs in every variant of the run). */
const prefillCalls = (run: GoldenRun): number => run.model_calls.filter(([, b]) => b <= run.prompt_ids.length).length;

describe('compat=0 against the official file', () => {
  it('differs from the official code exactly where the issue61fix golden does (prefill), and counts the rest', async () => {
    const lines: string[] = [];
    for (let i = 0; i < official.runs.length; i++) {
      const run = official.runs[i], fix = fixed.runs[i];
      expect(runName(fix)).toBe(runName(run));
      const rep = await replayRun(model, run, { attention: 'infllm', infllm: settingsOf(official.config, false) });
      const nPre = prefillCalls(run);
      let selDiff = 0, selDiffPrefill = 0;
      run.retrieval.forEach((g, j) => {
        const differs = selectionVerdict(rep.retrieval[j].selected, g) !== 'equal';
        selDiff += differs ? 1 : 0;
        selDiffPrefill += differs && g.call < nPre ? 1 : 0;
      });
      const pre = (r: GoldenRun): GoldenRun => ({ ...r, retrieval: r.retrieval.filter((g) => g.call < nPre) });
      // We reproduce both golden files exactly (tests above), so over the prefill, where both
      // variants see the same tokens, our compat=0 run must differ from the official file in
      // exactly the entries where the issue61fix file does.
      expect(selDiffPrefill).toBe(goldenSelectionDiffs(pre(run), pre(fix)));
      const c = compareRun(run, rep);
      const tokensDiffer = run.generated_ids.filter((t, s) => t !== fix.generated_ids[s]).length;
      lines.push(
        `${runName(run)}: selections ${selDiff}/${run.retrieval.length} differ (prefill ${selDiffPrefill}), ` +
          `teacher-forced argmax ${c.tokenMismatches}/25 differ, max |Δlogit| ${c.maxStepDiff.toFixed(3)}, ` +
          `free-running tokens of the two golden files differ at ${tokensDiffer}/24`,
      );
      expect(selDiff).toBeGreaterThan(0); // the flag has an effect on every run (README §6.5: 2–52 %)
    }
    console.log(['compat=0 vs official cfgA:', ...lines].join('\n  '));
  });
});

// cfgB's golden files are held out for independent review (README header); the README still
// publishes figures about them, which our run must reproduce: 1,455 scored (`topk`) retrieval
// entries over the 7 runs (§7) and final-prompt logits that differ between the official mask and
// the issue-#61 fix by up to 0.05 (§6.5, rounded to 2 decimals). The same figures for cfgA
// (2,225 and 0.77) hold too and are checked alongside, tying the published numbers to our runs.
describe('cfgB settings (held-out golden data): every flow runs and matches the README figures', () => {
  const CFG_B: GoldenConfig = { ...official.config, n_init: 8, n_local: 128, block_size: 32, topk: 2, repr_topk: 4, exc_block_size: 32 };
  for (const { name, config, scored, maxPrefillDelta } of [
    { name: 'cfgB', config: CFG_B, scored: 1455, maxPrefillDelta: 0.05 },
    { name: 'cfgA', config: official.config, scored: 2225, maxPrefillDelta: 0.77 },
  ])
    it(`${name}: ${scored} scored entries over the 7 runs; official vs fix final-prompt logits differ by ${maxPrefillDelta}`, async () => {
      let nScored = 0, delta = 0;
      for (const run of official.runs) {
        const a = await replayRun(model, run, { attention: 'infllm', infllm: settingsOf(config, true) });
        const nPre = prefillCalls(run);
        const b = await replayRun(model, run, { attention: 'infllm', infllm: settingsOf(config, false) }, nPre);
        nScored += a.retrieval.filter((r) => r.mode === 'topk').length;
        delta = Math.max(delta, maxAbsDiff(a.callLogits[nPre - 1], b.callLogits[nPre - 1]));
        // The memory after the run follows the spec's bookkeeping (O6) for these settings.
        const t = run.final_state.length;
        expect(a.stats).toEqual({ nTokens: t, nBlocks: Math.floor((t - config.n_init - config.n_local) / config.block_size), initLen: config.n_init });
      }
      expect(nScored).toBe(scored);
      expect(Math.abs(delta - maxPrefillDelta)).toBeLessThanOrEqual(0.005); // the README rounds to 2 decimals
    });
});

describe('full attention (full_attention.json)', () => {
  const full = readInfllmGolden(sharedPath('golden', 'infllm', 'full_attention.json'));
  for (const run of full.runs) {
    it(`${run.prompt}: prefill and step logits, 24 greedy tokens`, async () => {
      const s = model.createSession({ attention: 'full', nCtx: 2048 }); // beyond the trained 512 (README §2.2)
      const p = await s.eval(Int32Array.from(run.prompt_ids), { logits: 'last' });
      // Same math as InfLLM's golden, different code: the README's independent forward matches
      // llama.cpp to 1.2e-5, ours matches llama.cpp to < 1e-4 (golden-logits.test.ts): LOGIT_TOL.
      expect(maxAbsDiff(p.logits as Float32Array, goldenLogits(run.prefill_final_logits_b64))).toBeLessThan(LOGIT_TOL);
      const ours: number[] = [];
      for (const st of run.steps) {
        const r = st.step === 0 ? p : await s.eval(Int32Array.of(st.input_id), { logits: 'last' });
        const l = r.logits as Float32Array;
        expect(maxAbsDiff(l, goldenLogits(st.logits_b64))).toBeLessThan(LOGIT_TOL);
        ours.push(argmax(l));
      }
      expect(ours.slice(0, run.generated_ids.length)).toEqual(run.generated_ids);
      s.dispose();
    });
  }
});

interface ShortCheck {
  config: string;
  n_local: number;
  prompt: string;
  prompt_ids: number[];
  n_gen: number;
  generated_ids_infllm: number[];
  generated_ids_full: number[];
  per_step: { step: number; context_len: number; max_abs_diff: number; argmax_infllm: number; argmax_full: number; same_input_sequence: boolean }[];
}

/** Greedy decoding with the driver's prefill split; returns each step's last logits. */
async function greedySteps(s: NativeSession, prompt: number[], nGen: number): Promise<Float32Array[]> {
  await s.eval(Int32Array.from(prompt.slice(0, -1)), { logits: 'none' });
  const out = [(await s.eval(Int32Array.from(prompt.slice(-1)), { logits: 'last' })).logits as Float32Array];
  while (out.length < nGen) out.push((await s.eval(Int32Array.of(argmax(out[out.length - 1])), { logits: 'last' })).logits as Float32Array);
  return out;
}

describe('short prompts (short_prompt_check.json): InfLLM = full attention while context <= n_local', () => {
  const file = JSON.parse(readFileSync(sharedPath('golden', 'infllm', 'short_prompt_check.json'), 'utf8')) as { configs: Record<string, GoldenConfig>; checks: ShortCheck[] };
  for (const chk of file.checks) {
    it(`${chk.config} ${chk.prompt}, ${chk.n_gen} steps`, async () => {
      const inf = model.createSession({ attention: 'infllm', infllm: settingsOf(file.configs[chk.config], true) });
      const full = model.createSession({ attention: 'full' });
      // per_step holds steps 0..n_gen (the last one predicts after the last generated token).
      const a = await greedySteps(inf, chk.prompt_ids, chk.n_gen + 1);
      const b = await greedySteps(full, chk.prompt_ids, chk.n_gen + 1);
      expect(a.slice(0, chk.n_gen).map(argmax)).toEqual(chk.generated_ids_infllm);
      expect(b.slice(0, chk.n_gen).map(argmax)).toEqual(chk.generated_ids_full);
      expect(chk.per_step.map((st) => [argmax(a[st.step]), argmax(b[st.step])])).toEqual(
        chk.per_step.map((st) => [st.argmax_infllm, st.argmax_full]),
      );
      for (const st of chk.per_step) {
        const d = maxAbsDiff(a[st.step], b[st.step]);
        // O1: same math while context <= n_local; both sessions run our float32 kernels, which may
        // order one softmax differently (observed ~1e-6; the official code saw 1.5e-5 against its
        // separate full forward).
        if (st.context_len <= chk.n_local) expect(d).toBeLessThan(1e-5);
        // Beyond n_local the two differ; our gap must track the official one: by the triangle
        // inequality |d_ours − d_golden| <= the two implementations' logit errors, 2 · LOGIT_TOL.
        else if (st.same_input_sequence) expect(Math.abs(d - st.max_abs_diff)).toBeLessThan(2 * LOGIT_TOL);
      }
      inf.dispose();
      full.dispose();
    });
  }
});
