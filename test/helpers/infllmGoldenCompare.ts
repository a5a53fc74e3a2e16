/**
 * Compares one replayed golden run (test/helpers/infllmGolden.ts) with the official record:
 * retrieval entries and selections (with the golden README §7 near-tie rule), selected scores,
 * layouts, step / intermediate logits and greedy tokens. Returns counts and maxima so that the
 * tests can assert on them and print them.
 */
import { argmax, maxAbsDiff } from './golden.js';
import {
  callEndingAt,
  goldenLogits,
  goldenScores,
  type GoldenRetrieval,
  type GoldenRun,
  type OurRetrieval,
  type Replay,
} from './infllmGolden.js';

/**
 * Near-tie rule (README §7: "if a selection differs only where `margin` is tiny, compare with a
 * relative tolerance"): a differing selection counts as a near tie when every block that is in
 * one selection but not the other has a golden score within NEAR_TIE_REL · max|score| of the
 * golden k-th best score. 1e-4 relative is ~4x the largest relative score error we observe and
 * ~3x the float64-vs-float32 drift of the official code on logits (2.9e-5, README §7).
 */
export const NEAR_TIE_REL = 1e-4;

export interface RunComparison {
  /** Entries whose (call, layer, q_start, q_len, num_global_block, mode) differ. */
  metaMismatches: number;
  /** Entries whose selected set differs beyond a near tie. */
  selectionMismatches: number;
  /** Entries whose selected set differs only by a near tie (NEAR_TIE_REL). */
  nearTies: number;
  /** Entries in `topk` mode (scored). */
  scoredEntries: number;
  /** max over scored entries and their selected blocks of |ours − golden| / max_b |golden score_b|. */
  maxScoreErrRel: number;
  /** max |ours − golden| over the selected scores. */
  maxScoreErrAbs: number;
  /** Layout entries whose (q_start, q_len, num_global_block, init_len, remainder_len) differ from our layer-0 records. */
  layoutMismatches: number;
  /** max |Δ| over the 512 logits of every step (prefill final included: step 0). */
  maxStepDiff: number;
  /** max |Δ| over the intermediate prefill calls' last logits (-1 when the run has none). */
  maxIntermediateDiff: number;
  /** Steps s < 24 whose argmax differs from generated_ids[s], plus step 24 against its recorded argmax. */
  tokenMismatches: number;
  /** First few mismatch descriptions, for failure messages. */
  examples: string[];
}

/** What the comparison needs of a replay (the binding's or the CLI's). */
export type ReplayCalls = Pick<Replay, 'callLogits' | 'retrieval'>;

const meta = (r: GoldenRetrieval | OurRetrieval): string =>
  `${r.call}/${r.layer}/${r.q_start}/${r.q_len}/${r.num_global_block}/${r.mode}`;

const sortedSet = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);

function maxAbs(v: Float32Array): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}

/** 'equal' | 'near-tie' | 'different' for one scored or unscored entry. */
export function selectionVerdict(ours: number[], g: GoldenRetrieval): 'equal' | 'near-tie' | 'different' {
  const a = sortedSet(ours), b = sortedSet(g.selected);
  if (a.length === b.length && a.every((x, i) => x === b[i])) return 'equal';
  if (g.mode !== 'topk' || a.length !== b.length) return 'different';
  const s = goldenScores(g);
  const kth = Math.min(...b.map((id) => s[id]));
  const tol = NEAR_TIE_REL * maxAbs(s);
  const sym = [...a.filter((x) => !b.includes(x)), ...b.filter((x) => !a.includes(x))];
  return sym.every((id) => id >= 0 && id < s.length && Math.abs(s[id] - kth) <= tol) ? 'near-tie' : 'different';
}

function compareRetrieval(run: GoldenRun, rep: ReplayCalls, c: RunComparison): void {
  if (rep.retrieval.length !== run.retrieval.length) {
    c.metaMismatches += Math.abs(rep.retrieval.length - run.retrieval.length);
    c.examples.push(`retrieval entries: ours ${rep.retrieval.length}, golden ${run.retrieval.length}`);
  }
  const n = Math.min(rep.retrieval.length, run.retrieval.length);
  for (let i = 0; i < n; i++) {
    const o = rep.retrieval[i], g = run.retrieval[i];
    if (meta(o) !== meta(g)) {
      c.metaMismatches++;
      if (c.examples.length < 5) c.examples.push(`entry ${i}: ours ${meta(o)}, golden ${meta(g)}`);
      continue;
    }
    const v = selectionVerdict(o.selected, g);
    if (v === 'near-tie') c.nearTies++;
    if (v === 'different') {
      c.selectionMismatches++;
      if (c.examples.length < 5) c.examples.push(`entry ${i} (${meta(g)}): ours [${o.selected}], golden [${sortedSet(g.selected)}]`);
    }
    if (g.mode !== 'topk' || v !== 'equal') continue;
    c.scoredEntries++;
    const s = goldenScores(g), scale = maxAbs(s);
    o.selected.forEach((id, j) => {
      const d = Math.abs(o.scores[j] - s[id]);
      c.maxScoreErrAbs = Math.max(c.maxScoreErrAbs, Number.isNaN(d) ? Infinity : d);
      c.maxScoreErrRel = Math.max(c.maxScoreErrRel, Number.isNaN(d) ? Infinity : d / scale);
    });
  }
}

function compareLayout(run: GoldenRun, rep: ReplayCalls, c: RunComparison): void {
  const ours = rep.retrieval.filter((r) => r.layer === 0);
  if (ours.length !== run.layout.length) {
    c.layoutMismatches += Math.abs(ours.length - run.layout.length);
    c.examples.push(`layout entries: ours ${ours.length}, golden ${run.layout.length}`);
  }
  for (let i = 0; i < Math.min(ours.length, run.layout.length); i++) {
    const o = ours[i], g = run.layout[i];
    const a = [o.call, o.q_start, o.q_len, o.num_global_block, o.initLen, o.tailLen];
    const b = [g.call, g.q_start, g.q_len, g.num_global_block, g.init_len, g.remainder_len];
    if (a.some((x, j) => x !== b[j])) {
      c.layoutMismatches++;
      if (c.examples.length < 5) c.examples.push(`layout ${i}: ours ${a}, golden ${b}`);
    }
  }
}

function compareLogits(run: GoldenRun, rep: ReplayCalls, c: RunComparison): void {
  for (const st of run.steps) {
    const ours = rep.callLogits[callEndingAt(run, st.pos)];
    c.maxStepDiff = Math.max(c.maxStepDiff, maxAbsDiff(ours, goldenLogits(st.logits_b64)));
    const want = st.step < run.generated_ids.length ? run.generated_ids[st.step] : st.argmax;
    if (argmax(ours) !== want) {
      c.tokenMismatches++;
      if (c.examples.length < 5) c.examples.push(`step ${st.step}: ours ${argmax(ours)}, golden ${want}`);
    }
  }
  const first = rep.callLogits[callEndingAt(run, run.prompt_ids.length - 1)];
  c.maxStepDiff = Math.max(c.maxStepDiff, maxAbsDiff(first, goldenLogits(run.prefill_final_logits_b64)));
  for (const ic of run.intermediate_prefill_call_logits)
    c.maxIntermediateDiff = Math.max(c.maxIntermediateDiff, maxAbsDiff(rep.callLogits[ic.call], goldenLogits(ic.last_logits_b64)));
}

/** Everything the golden run records, compared with our replay of it. */
export function compareRun(run: GoldenRun, rep: ReplayCalls): RunComparison {
  const c: RunComparison = {
    metaMismatches: 0,
    selectionMismatches: 0,
    nearTies: 0,
    scoredEntries: 0,
    maxScoreErrRel: 0,
    maxScoreErrAbs: 0,
    layoutMismatches: 0,
    maxStepDiff: 0,
    maxIntermediateDiff: run.intermediate_prefill_call_logits.length ? 0 : -1,
    tokenMismatches: 0,
    examples: [],
  };
  compareRetrieval(run, rep, c);
  compareLayout(run, rep, c);
  compareLogits(run, rep, c);
  return c;
}

/** Entries (same index) whose selected sets differ between two golden files' versions of a run. */
export function goldenSelectionDiffs(a: GoldenRun, b: GoldenRun): number {
  let n = 0;
  for (let i = 0; i < Math.min(a.retrieval.length, b.retrieval.length); i++)
    if (sortedSet(a.retrieval[i].selected).join() !== sortedSet(b.retrieval[i].selected).join()) n++;
  return n + Math.abs(a.retrieval.length - b.retrieval.length);
}
