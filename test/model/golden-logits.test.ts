/**
 * Forward pass against llama.cpp's golden logits for the two tiny GGUFs (../shared/golden/README.md):
 * for every case, one prefill call returns the last-position logits and the listed positions'
 * rows, and 32 greedy tokens (temperature-0 sampling through eval, one call per token) equal
 * llama.cpp's continuation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeModel } from '../../engine/binding/ModelBinding.js';
import { blob, greedy, loadModel, maxAbsDiff, readGolden, row } from '../helpers/golden.js';
import { sharedPath } from '../helpers/shared.js';

const models = [
  // stories260K (F32): llama.cpp agrees with a float64 reference to 9.6e-6 (golden README); our
  // float32 engine with exact weights sits at that level too. 1e-4 is the README's suggestion,
  // ten times that gap and far below the smallest greedy margin (3.7e-3).
  { name: 'stories260K', tol: 1e-4 },
  // llama-2-tiny-random (F16 weights): llama.cpp rounds activations to F16, which puts it 6.7e-5
  // from exact math (README); an F32-activation engine is expected about that far away. 2e-4 is
  // the README's suggestion, below the smallest greedy margin (1.5e-4 is the smallest recorded
  // margin, but greedy equality is checked separately and is exact).
  { name: 'llama-2-tiny-random', tol: 2e-4 },
];

for (const { name, tol } of models) {
  describe(`golden logits: ${name}`, () => {
    const golden = readGolden(sharedPath('golden', `${name}.golden.json`));
    let model: NativeModel;
    beforeAll(async () => {
      model = await loadModel(sharedPath('models', `${name}.gguf`));
    });
    afterAll(() => model.dispose());

    for (const c of golden.cases.filter((x) => x.n_tokens > 0)) {
      it(`${c.id}: prefill logits (last + positions) and 32 greedy tokens`, async () => {
        const nVocab = model.info().nVocab;
        const positions = c.logits_at_positions?.positions ?? [];
        const rows = Int32Array.from([...positions, c.n_tokens - 1]);
        const session = model.createSession({ attention: 'full' });
        const r = await session.eval(Int32Array.from(c.tokens), { logits: rows, sample: { temperature: 0 } });
        expect(r.logits?.length).toBe(rows.length * nVocab);
        const logits = r.logits as Float32Array;
        expect(maxAbsDiff(row(logits, positions.length, nVocab), blob(c.logits_last!))).toBeLessThan(tol);
        if (c.logits_at_positions) {
          const want = blob(c.logits_at_positions);
          positions.forEach((_, i) => expect(maxAbsDiff(row(logits, i, nVocab), row(want, i, nVocab))).toBeLessThan(tol));
        }
        const tokens = await greedy(session, r.token as number, c.greedy!.tokens.length);
        expect(tokens).toEqual(c.greedy!.tokens);
        expect(session.nPast()).toBe(c.n_tokens + c.greedy!.tokens.length - 1);
        session.dispose();
      });
    }
  });
}
