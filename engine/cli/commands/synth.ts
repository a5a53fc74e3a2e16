/**
 * `infllm synth <out.gguf> [--preset NAME] [shape flags] [--type T] [--seed N]`: writes a
 * synthetic random-weight model (engine/gguf/syntheticModel.ts) for tests and benchmarks, e.g.
 * `infllm synth q.gguf --preset qwen2.5-0.5b --type Q4_0`. Explicit shape flags override the
 * preset's values. Prints {path, bytes, tensors, weightType} as JSON.
 */
import { parseArgs } from 'node:util';
import { QUANT_TYPES, type QuantType } from '../../gguf/quantize/quantizeRow.js';
import { planSyntheticModel, SYNTHETIC_PRESETS, writeSyntheticPlan, type SyntheticModelOptions } from '../../gguf/syntheticModel.js';
import { writeJson } from '../io.js';
import { UsageError, type CliCommand } from '../types.js';

const SHAPE_FLAGS = {
  layers: 'nLayer',
  embd: 'nEmbd',
  heads: 'nHead',
  'kv-heads': 'nHeadKv',
  'head-dim': 'headDim',
  ff: 'nFf',
  vocab: 'nVocab',
  ctx: 'nCtx',
  theta: 'ropeTheta',
} as const;

function int(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} expects a non-negative number, got "${v}"`);
  return n;
}

/** The model options from the parsed flags. */
function optionsFrom(values: Record<string, string | boolean | undefined>): SyntheticModelOptions {
  const preset = values.preset as string | undefined;
  if (preset !== undefined && !(preset in SYNTHETIC_PRESETS)) {
    throw new UsageError(`unknown preset "${preset}" (known: ${Object.keys(SYNTHETIC_PRESETS).join(', ')})`);
  }
  const o: Record<string, unknown> = preset ? { ...SYNTHETIC_PRESETS[preset as keyof typeof SYNTHETIC_PRESETS] } : {};
  if (values.arch !== undefined) o.arch = values.arch;
  for (const [flag, key] of Object.entries(SHAPE_FLAGS)) if (values[flag] !== undefined) o[key] = int(flag, values[flag] as string);
  if (values.tied) o.tiedEmbeddings = true;
  const type = (values.type as string | undefined) ?? 'Q4_0';
  if (!QUANT_TYPES.includes(type as QuantType)) throw new UsageError(`--type must be one of ${QUANT_TYPES.join(', ')}`);
  o.weightType = type;
  o.seed = values.seed === undefined ? 1 : int('seed', values.seed as string);
  for (const key of ['arch', 'nLayer', 'nEmbd', 'nHead', 'nHeadKv', 'nFf', 'nVocab', 'nCtx', 'ropeTheta']) {
    if (o[key] === undefined) throw new UsageError(`give --preset or every shape flag (missing ${key})`);
  }
  return o as unknown as SyntheticModelOptions;
}

export const synthCommand: CliCommand = {
  name: 'synth',
  usage: '<out.gguf> [--preset qwen2.5-0.5b|llama-3.2-1b] [--arch A --layers N --embd N --heads N --kv-heads N --ff N --vocab N --ctx N --theta X --head-dim N --tied] [--type F32|F16|Q8_0|Q4_0|Q4_K|Q6_K] [--seed N]',
  summary: 'write a random-weight GGUF model of a given shape (tests, benchmarks)',
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          preset: { type: 'string' },
          arch: { type: 'string' },
          type: { type: 'string' },
          seed: { type: 'string' },
          tied: { type: 'boolean' },
          ...Object.fromEntries(Object.keys(SHAPE_FLAGS).map((k) => [k, { type: 'string' as const }])),
        },
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one argument: the output .gguf path');
    const options = optionsFrom(parsed.values);
    const plan = planSyntheticModel(options);
    const bytes = await writeSyntheticPlan(parsed.positionals[0], plan);
    await writeJson(io, { path: parsed.positionals[0], bytes, tensors: plan.tensors.length, weightType: options.weightType });
    return 0;
  },
};
