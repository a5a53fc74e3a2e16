/**
 * Fast numerics (8-bit activations like llama.cpp) on the quantized synthetic models against
 * llama.cpp's own rows (../shared/golden/synthetic/README.md, "Suggested checks": "the engine
 * rounds or quantizes activations like llama.cpp"): every stored row — prefill positions, last
 * position and the 24 teacher-forced steps — within the README's per-type limit; many rows
 * agreeing far more closely; greedy tokens equal up to the first step whose recorded margin is
 * below the limit.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeModel } from '../../engine/binding/ModelBinding.js';
import { argmax, blob, greedy, loadModel, maxAbsDiff, readGolden, row, type GoldenCase } from '../helpers/golden.js';
import { sharedPath } from '../helpers/shared.js';

// README limits (about twice llama.cpp's measured gap to exact math): rounding to a grid is
// discontinuous, so a float32-level difference occasionally flips one activation's rounding
// and moves the logits by ~0.1-0.2; these bound that, per weight family.
const LIMIT_32 = 0.5; // Q8_0, Q4_0, Q4_1, Q5_0
const LIMIT_K = 0.75; // Q2_K ... Q6_K
// A row "agrees" when it is within 1e-4 of llama.cpp (float32 noise of logits up to ~20).
const CLOSE = 1e-4;
// With llama.cpp's activation quantization, rows without a rounding flip agree to ~1e-5; the
// README's float64 re-run with that quantization had 19-61% such rows (this engine measured
// 31-65%), while exact numerics have none. Requiring 15% catches a quantizer or activation format
// that differs from llama.cpp's without depending on where the rare flips land.
const MIN_CLOSE_FRACTION = 0.15;

const dir = sharedPath('golden', 'synthetic');
const files = readdirSync(dir)
  .filter((f) => /\.q\d/.test(f) && f.endsWith('.golden.json'))
  .sort();

interface StepTop { id: number; logit: number }
type FastCase = GoldenCase & { greedy: { step_top5: StepTop[][] } };

describe.each(files)('synthetic golden, fast numerics: %s', (file) => {
  const golden = readGolden(join(dir, file));
  const limit = /\.q\d_k/.test(file) ? LIMIT_K : LIMIT_32;
  let model: NativeModel;
  const close = { rows: 0, agree: 0 };
  beforeAll(async () => {
    model = await loadModel(sharedPath('models', 'synthetic', golden.model.file), 'fast');
  });
  afterAll(() => {
    model.dispose();
    console.log(`${file}: ${close.agree} of ${close.rows} rows within ${CLOSE} of llama.cpp`);
  });

  // count: false for the last-position row, which is also step row 0 (counted once, as the
  // README's 105 compared rows: 72 step rows and 33 position rows).
  const check = (got: Float32Array, want: Float32Array, what: string, count = true): void => {
    const d = maxAbsDiff(got, want);
    expect(d, what).toBeLessThanOrEqual(limit);
    if (!count) return;
    close.rows++;
    if (d < CLOSE) close.agree++;
  };

  it('reports fast numerics', () => {
    expect(model.info().numerics).toBe('fast');
  });

  for (const c of golden.cases as FastCase[]) {
    it(`${c.id}: prefill rows, teacher-forced steps and greedy tokens vs llama.cpp`, async () => {
      const nVocab = model.info().nVocab;
      const positions = c.logits_at_positions?.positions ?? [];
      const session = model.createSession({ attention: 'full' });
      const r = await session.eval(Int32Array.from(c.tokens), { logits: Int32Array.from([...positions, c.n_tokens - 1]) });
      const logits = r.logits as Float32Array;
      positions.forEach((p, i) => check(row(logits, i, nVocab), row(blob(c.logits_at_positions!), i, nVocab), `position ${p}`));
      const last = logits.slice(positions.length * nVocab);
      check(last, blob(c.logits_last!), 'last', false);

      const free = session.fork();
      const steps = blob(c.greedy.step_logits!);
      check(last, row(steps, 0, nVocab), 'step 0');
      for (let s = 1; s < c.greedy.tokens.length; s++) {
        const st = await session.eval(Int32Array.of(c.greedy.tokens[s - 1]), { logits: 'last' });
        check(st.logits as Float32Array, row(steps, s, nVocab), `step ${s}`);
      }

      // Greedy: equal up to (not including) the first step llama.cpp decided by less than the limit.
      const margins = c.greedy.step_top5.map((top) => top[0].logit - top[1].logit);
      const firstNarrow = margins.findIndex((m) => m < limit);
      const n = firstNarrow < 0 ? c.greedy.tokens.length : firstNarrow;
      if (n > 0) expect(await greedy(free, argmax(last), n)).toEqual(c.greedy.tokens.slice(0, n));
      session.dispose();
      free.dispose();
    });
  }

  it('agrees with llama.cpp to 1e-4 on many rows', () => {
    expect(close.rows).toBeGreaterThan(100);
    expect(close.agree / close.rows).toBeGreaterThanOrEqual(MIN_CLOSE_FRACTION);
  });
});

