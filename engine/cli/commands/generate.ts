/**
 * `infllm generate <model.gguf> (--prompt TEXT | --tokens FILE) [-n N] [sampling flags]
 * [--attention full|infllm] [--infllm k=v,...] [--split-last] [--prefill-call N] [--stop S]...
 * [--json [--dump-logits]]`: streams the generated text to stdout (exactly, no newline added), or
 * with --json prints one object {ids, text, stop_reason, top_logits, trace, [step_logits,] timings}
 * (engine/cli/generateJson.ts). Greedy unless --temp > 0. Ctrl-C stops generation and keeps what
 * was generated (exit 130).
 *
 * Prefill calls (they change InfLLM's results, infllm-spec.md §2.3): by default the whole prompt
 * in one call; --split-last: tokens [0, P−1) in one call, then the last alone (the reference
 * driver); --prefill-call N: [0, P−1) in calls of N tokens, then the last alone (the reference
 * driver with chunk_size N).
 */
import { Model } from '../../model/Model.js';
import { resolveGenerateOptions } from '../../session/Generation.js';
import type { SamplingOptions } from '../../session/sampling.js';
import type { GenerateOptions, ModelCallEvent, SessionOptions, TokenEvent } from '../../session/types.js';
import { modelPath, numberFlag, parseCli, readTokenFile, SESSION_FLAGS, sessionOptionsFrom } from '../args.js';
import { generateJson } from '../generateJson.js';
import { write, writeJson } from '../io.js';
import { UsageError, type CliCommand, type CliIo } from '../types.js';

const FLAGS = {
  ...SESSION_FLAGS,
  prompt: { type: 'string' },
  tokens: { type: 'string' },
  'n-predict': { type: 'string', short: 'n' },
  temp: { type: 'string' },
  seed: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  'min-p': { type: 'string' },
  'repeat-penalty': { type: 'string' },
  'top-logits': { type: 'string' },
  stop: { type: 'string', multiple: true },
  'ignore-eog': { type: 'boolean' },
  'split-last': { type: 'boolean' },
  'prefill-call': { type: 'string' },
  json: { type: 'boolean' },
  'dump-logits': { type: 'boolean' },
} as const;

/** Prefill call size that means "one call" (planCalls cuts calls of at most this many tokens). */
const ONE_CALL = 2 ** 31 - 1;

/** Default of -n. */
const DEFAULT_N = 128;
/** Default number of top logits per step in --json output. */
const DEFAULT_TOP_LOGITS = 5;

/** Everything the command line asks for, validated before the model is loaded. */
interface GenerateRequest {
  path: string;
  threads?: number;
  session: SessionOptions;
  prompt: { tokensFile: string } | { text: string };
  options: GenerateOptions;
  json: boolean;
  dumpLogits: boolean;
}

function parseRequest(argv: string[]): GenerateRequest {
  const { values: v, positionals } = parseCli(argv, FLAGS);
  const path = modelPath(positionals);
  if ((v.prompt === undefined) === (v.tokens === undefined)) throw new UsageError('give exactly one of --prompt TEXT and --tokens FILE');
  const json = v.json ?? false;
  const dumpLogits = v['dump-logits'] ?? false;
  if (dumpLogits && !json) throw new UsageError('--dump-logits needs --json');
  const prefillCall = numberFlag('prefill-call', v['prefill-call'], true);
  if (prefillCall !== undefined && prefillCall < 1) throw new UsageError(`--prefill-call must be an integer >= 1 (got ${prefillCall})`);
  const sampling: SamplingOptions = {};
  const set = <K extends keyof SamplingOptions>(key: K, value: number | undefined) => value !== undefined && (sampling[key] = value);
  set('temperature', numberFlag('temp', v.temp));
  set('seed', numberFlag('seed', v.seed, true));
  set('topK', numberFlag('top-k', v['top-k'], true));
  set('topP', numberFlag('top-p', v['top-p']));
  set('minP', numberFlag('min-p', v['min-p']));
  set('repeatPenalty', numberFlag('repeat-penalty', v['repeat-penalty']));
  const session = sessionOptionsFrom(v);
  const options: GenerateOptions = {
    maxTokens: numberFlag('n-predict', v['n-predict'], true) ?? DEFAULT_N,
    sampling,
    stop: v.stop ?? [],
    stopOnEog: !v['ignore-eog'],
    splitLast: (v['split-last'] ?? false) || prefillCall !== undefined,
    prefillCallTokens: prefillCall ?? ONE_CALL,
    callLogits: dumpLogits,
    topLogits: json ? (numberFlag('top-logits', v['top-logits'], true) ?? DEFAULT_TOP_LOGITS) : 0,
    trace: json && session.attention === 'infllm',
    stopOnAbort: true,
  };
  resolveGenerateOptions(options); // bad values fail before the model is loaded
  const prompt = v.tokens !== undefined ? { tokensFile: v.tokens } : { text: v.prompt as string };
  return { path, threads: numberFlag('threads', v.threads, true), session, prompt, options, json, dumpLogits };
}

/** Loads the model, generates (streaming text unless --json), prints; returns the exit code. */
async function runRequest(req: GenerateRequest, io: CliIo): Promise<number> {
  const prompt = 'tokensFile' in req.prompt ? await readTokenFile(req.prompt.tokensFile, io) : req.prompt.text;
  const model = await Model.load(req.path, { threads: req.threads });
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const session = model.createSession(req.session);
    const events: TokenEvent[] = [];
    const calls: ModelCallEvent[] = [];
    let streamed = '';
    const r = await session.generate(prompt, {
      ...req.options,
      signal: controller.signal,
      onModelCall: req.json ? (c) => calls.push(c) : undefined,
      onToken: (e) => {
        events.push(e);
        if (!req.json && e.text) {
          streamed += e.text;
          io.stdout.write(e.text);
        }
      },
    });
    if (req.json) await writeJson(io, generateJson(r, events, calls, session.attention === 'infllm', req.dumpLogits));
    // Text still held back when an abort came (a possible stop string, half a character).
    else await write(io.stdout, r.text.slice(streamed.length));
    return r.stopReason === 'abort' ? 130 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await model.dispose();
  }
}

/** The `infllm generate` command. */
export const generateCommand: CliCommand = {
  name: 'generate',
  usage:
    '<model.gguf> (--prompt TEXT | --tokens FILE) [-n N] [--temp T] [--seed S] [--top-k K] [--top-p P] [--min-p P] ' +
    '[--repeat-penalty R] [--stop S]... [--ignore-eog] [--attention full|infllm] ' +
    '[--infllm n_init=,n_local=,block=,topk=,repr=,chunk=,cache=,compat=0|1,kv=f32|f16|q8] [--split-last] [--prefill-call N] ' +
    '[--ctx N] [--threads N] [--json] [--top-logits K] [--dump-logits]',
  summary: 'generate a continuation (greedy unless --temp > 0); streams text, or prints one JSON object with --json',
  run: (argv, io) => runRequest(parseRequest(argv), io),
};
