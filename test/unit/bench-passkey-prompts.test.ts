/**
 * The passkey prompt generator of the "infllm" benchmark (bench/infllmPasskeyPrompts.ts): prompts
 * have the dev files' layout (checked on the dev files themselves with the same predicate): BOS,
 * filler, the template sentence with the digits at a sentence boundary, the question, exactly the
 * requested length; the passkey lands at the boundary nearest the requested depth; generation is
 * deterministic. Also the linear fit of the report against hand-computed values.
 */
import { describe, expect, it } from 'vitest';
import { linearFit } from '../../bench/infllmFormat.js';
import { loadDevPrompts, loadPasskeyTemplate, makePasskeyPrompt, passkeyPrompts, type PasskeyPrompt, type PasskeyTemplate } from '../../bench/infllmPasskeyPrompts.js';
import { sharedPath } from '../helpers/shared.js';

const PERIOD = 426;
const NEWLINE = 13;
const dev = (n: number) => sharedPath('passkey', `dev_${n}.json`);
const template: PasskeyTemplate = loadPasskeyTemplate(dev(512));

/** The sentence with this prompt's digits. */
const sentenceOf = (p: PasskeyPrompt): number[] => {
  let d = 0;
  return template.sentence.map((x) => (typeof x === 'number' ? x : p.answerIds[d++]));
};

/** Layout violations of a prompt (empty when it has the dev files' layout). */
function layoutErrors(p: PasskeyPrompt, length: number): string[] {
  const e: string[] = [];
  const ids = p.promptIds;
  const s = sentenceOf(p);
  if (ids.length !== length) e.push(`length ${ids.length}`);
  if (ids[0] !== 1) e.push('no BOS');
  if (JSON.stringify(ids.slice(p.passkeyPos, p.passkeyPos + s.length)) !== JSON.stringify(s)) e.push('sentence not at passkeyPos');
  if (p.passkeyPos !== 1 && ids[p.passkeyPos - 1] !== PERIOD) e.push('not after a "."');
  if (JSON.stringify(ids.slice(-template.question.length)) !== JSON.stringify(template.question)) e.push('no question at the end');
  if (p.answerIds.map((id) => template.digitIds.indexOf(id)).join('') !== p.passkey) e.push('answer is not the passkey');
  return e;
}

// Three fake "stories" of distinct tokens, each with sentence ends ("." tokens).
const POOL = [
  [403, 407, 300, 301, PERIOD, 302, 303, 304, PERIOD],
  [385, 328, 310, PERIOD, 311, 312, 313, 314, 315, PERIOD],
  [403, 320, 321, 322, 323, PERIOD, 324, PERIOD],
];

describe('passkey prompts', () => {
  it('the dev prompts have the layout the generator is checked for', () => {
    for (const n of [512, 2048, 8192]) for (const p of loadDevPrompts(dev(n))) expect(layoutErrors(p, n), p.id).toEqual([]);
  });

  it('generated prompts have the same layout at every length and depth', () => {
    for (const length of [100, 512, 2000])
      for (const p of passkeyPrompts(POOL, template, length, 7, 1)) expect(layoutErrors(p, length), `${length} ${p.id}`).toEqual([]);
  });

  it('the filler is pool stories joined by newlines; depth picks the nearest boundary', () => {
    const p = makePasskeyPrompt(POOL, template, { id: 'x', length: 200, depth: 0.5, seed: 3 });
    const s = sentenceOf(p);
    const filler = [...p.promptIds.slice(1, p.passkeyPos), ...p.promptIds.slice(p.passkeyPos + s.length, -template.question.length)];
    const n = 200 - 1 - s.length - template.question.length;
    expect(filler.length).toBe(n);
    // Every story starts after a newline (or at the start) and is one of the pool's.
    const stories = filler.join(',').split(`,${NEWLINE},`).map((x) => x.split(',').map(Number));
    for (const st of stories.slice(0, -1)) expect(POOL.map((x) => x.join(','))).toContain(st.join(','));
    const at = p.passkeyPos - 1; // boundary index within the filler
    const boundaries = [0, ...filler.flatMap((t, i) => (t === PERIOD ? [i + 1] : []))];
    const best = Math.min(...boundaries.map((b) => Math.abs(b - 0.5 * n)));
    expect(Math.abs(at - 0.5 * n)).toBe(best);
    expect(makePasskeyPrompt(POOL, template, { id: 'x', length: 200, depth: 0, seed: 3 }).passkeyPos).toBe(1);
  });

  it('is deterministic in its seed', () => {
    const a = passkeyPrompts(POOL, template, 300, 3, 5);
    expect(passkeyPrompts(POOL, template, 300, 3, 5)).toEqual(a);
    expect(passkeyPrompts(POOL, template, 300, 3, 6).map((p) => p.passkey)).not.toEqual(a.map((p) => p.passkey));
  });
});

describe('linearFit', () => {
  it('matches hand-computed least squares', () => {
    // Exact line: slope 2, intercept 1, no residual.
    expect(linearFit([1, 2, 3], [3, 5, 7])).toMatchObject({ slope: 2, intercept: 1, r2: 1, maxRelResidual: 0 });
    // x = 0,1,2,3; y = 1,3,2,4: slope = 0.8, intercept = 1.3, residuals -0.3, 0.9, -0.9, 0.3;
    // SSR = 1.8, SST = 5, R² = 0.64; largest |residual| / y = 0.9 / 2 = 0.45 (at x = 2).
    const r = linearFit([0, 1, 2, 3], [1, 3, 2, 4]);
    expect(r.slope).toBeCloseTo(0.8, 12);
    expect(r.intercept).toBeCloseTo(1.3, 12);
    expect(r.r2).toBeCloseTo(0.64, 12);
    expect(r.maxRelResidual).toBeCloseTo(0.45, 12);
  });
});
