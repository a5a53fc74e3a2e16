/**
 * Passkey retrieval (../shared/passkey, README there): the tiny passkey model, 30 development
 * prompts of 512, 2K and 8K tokens, InfLLM with n_init 4, n_local 256, chunk 128 and three block
 * settings, driven like the official GreedySearch (prompt tokens [0, P-1) in one call, the last
 * prompt token alone, then one call per generated token; 5 greedy tokens). The generated ids must
 * equal what the official code produced (official_dev_results.json), which was run with its
 * issue-#61 prefill mask: compat = 1.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeInfllmSettings, NativeModel } from '../../engine/binding/ModelBinding.js';
import { loadModel } from '../helpers/golden.js';
import { sharedPath } from '../helpers/shared.js';

interface PasskeyPrompt {
  id: string;
  prompt_ids: number[];
  answer_ids: number[];
}
interface OfficialResult {
  config: string;
  length: number;
  block_size: number;
  topk: number;
  correct: number;
  generated_ids: number[][];
}

/** README table: (block, topk, repr_topk); the official file names them cfgA/B/C. */
const CONFIGS = [
  { name: 'cfgB', block: 2, topk: 64, repr: 2, main: true },
  { name: 'cfgA', block: 16, topk: 8, repr: 4, main: false },
  { name: 'cfgC', block: 4, topk: 32, repr: 4, main: false },
];
const LENGTHS = [512, 2048, 8192];
const N_GEN = 5;
/** Prefill of an 8K prompt on the shared 2-core machine takes a few seconds; 10 prompts per test. */
const TIMEOUT = 900_000;

const official = JSON.parse(readFileSync(sharedPath('passkey', 'official_dev_results.json'), 'utf8')) as OfficialResult[];
const prompts = (len: number): PasskeyPrompt[] =>
  (JSON.parse(readFileSync(sharedPath('passkey', `dev_${len}.json`), 'utf8')) as { prompts: PasskeyPrompt[] }).prompts;

let model: NativeModel;
beforeAll(async () => {
  model = await loadModel(sharedPath('passkey', 'passkey-tiny.gguf'));
});
afterAll(() => model.dispose());

/** The reference driver's schedule with greedy (temperature 0, ties to the lowest id) sampling. */
async function generate(settings: NativeInfllmSettings, ids: number[]): Promise<number[]> {
  const s = model.createSession({ attention: 'infllm', infllm: settings });
  try {
    const p = Int32Array.from(ids);
    await s.eval(p.subarray(0, p.length - 1), { logits: 'none' });
    const out: number[] = [];
    let next = p.subarray(p.length - 1);
    while (out.length < N_GEN) {
      const r = await s.eval(next, { logits: 'none', sample: { temperature: 0 } });
      out.push(r.token as number);
      next = Int32Array.of(r.token as number);
    }
    return out;
  } finally {
    s.dispose();
  }
}

const settingsOf = (c: (typeof CONFIGS)[number], compat: boolean): NativeInfllmSettings => ({
  nInit: 4,
  nLocal: 256,
  chunk: 128,
  blockSize: c.block,
  topk: c.topk,
  reprTopk: c.repr,
  cache: c.topk, // the smallest valid cache: it never changes a number (spec O5)
  compat,
  kvType: 'f32', // the official run is float32 throughout
});

async function sweep(c: (typeof CONFIGS)[number], len: number, compat: boolean): Promise<{ same: number; correct: number; off: OfficialResult }> {
  const off = official.find((o) => o.config === c.name && o.length === len);
  if (!off || off.block_size !== c.block || off.topk !== c.topk) throw new Error(`official result for ${c.name} ${len} missing or different`);
  const ps = prompts(len);
  expect(ps).toHaveLength(off.generated_ids.length);
  let same = 0, correct = 0;
  for (let i = 0; i < ps.length; i++) {
    expect(ps[i].prompt_ids).toHaveLength(len);
    const gen = await generate(settingsOf(c, compat), ps[i].prompt_ids);
    if (gen.join() === off.generated_ids[i].join()) same++;
    if (gen.join() === ps[i].answer_ids.join()) correct++;
  }
  return { same, correct, off };
}

describe('passkey: generated ids equal the official InfLLM code (compat=1)', () => {
  for (const c of CONFIGS)
    for (const len of LENGTHS) {
      it(`${c.main ? '[main] ' : ''}block ${c.block}, topk ${c.topk}, repr ${c.repr} at ${len}`, { timeout: TIMEOUT }, async () => {
        const { same, correct, off } = await sweep(c, len, true);
        console.log(`passkey ${c.name} (${c.block}/${c.topk}/${c.repr}) ${len}: ${same}/10 as official, ${correct}/10 correct (official ${off.correct})`);
        expect(same).toBe(10);
        expect(correct).toBe(off.correct);
      });
    }
});

// compat=0 (the intended prefill mask) is not what produced the official file; it is measured on
// request (INFLLM_PASSKEY_COMPAT0=1) for docs/INFLLM.md. The main setting still answers 10/10.
describe.runIf(process.env.INFLLM_PASSKEY_COMPAT0 === '1')('passkey with compat=0 (report)', () => {
  for (const c of CONFIGS)
    for (const len of LENGTHS) {
      it(`block ${c.block}, topk ${c.topk}, repr ${c.repr} at ${len}`, { timeout: TIMEOUT }, async () => {
        const { same, correct, off } = await sweep(c, len, false);
        console.log(`passkey compat=0 ${c.name} ${len}: ${same}/10 as official, ${correct}/10 correct (official ${off.correct})`);
        if (c.main) expect(correct).toBe(10);
      });
    }
});
