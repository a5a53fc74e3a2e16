/**
 * Child process for test/model/memory-crash.test.ts: loads stories260K, prefills the first
 * argv[4] tokens of golden prompt P1 into an InfLLM session with settings argv[5] (JSON) and saves
 * it to argv[2] with a hang injected at step argv[3]: the save blocks forever after creating
 * `${argv[2]}.hang`, and the parent SIGKILLs this process. Run with `node --import jiti/register`.
 */
import { readFileSync } from 'node:fs';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import type { NativeInfllmSettings } from '../../engine/binding/ModelBinding.js';
import { sharedPath } from './shared.js';

const [dir, step, nTokens, settings] = process.argv.slice(2);
const golden = JSON.parse(readFileSync(sharedPath('golden', 'infllm', 'infllm_cfgA_issue61fix.json'), 'utf8')) as {
  runs: { prompt_ids: number[] }[];
};
const b = loadBinding();
const model = await b.modelLoad(sharedPath('models', 'stories260K.gguf'), { threads: 1 });
const s = model.createSession({ attention: 'infllm', infllm: JSON.parse(settings) as NativeInfllmSettings });
await s.eval(Int32Array.from(golden.runs[0].prompt_ids.slice(0, Number(nTokens))), { logits: 'none' });
await b._testing.memio.saveWithFault(s, dir, step as 'blocks' | 'files' | 'manifest', 'hang');
