/**
 * `infllm generate <model.gguf> (--prompt TEXT | --tokens FILE) [-n N] [sampling flags]
 * [--attention full|infllm] [--infllm k=v,...] [--split-last] [--stop S]... [--json]`: streams the
 * generated text to stdout (exactly, no newline added), or with --json prints one object
 * {ids, text, stop_reason, top_logits, trace, prefill_trace, timings}. Greedy unless --temp > 0.
 * Ctrl-C stops generation and keeps what was generated (exit 130).
 */
import { Model } from '../../model/Model.js';
import { resolveGenerateOptions } from '../../session/Generation.js';
import type { SamplingOptions } from '../../session/sampling.js';
import type { GenerateOptions, GenerateResult, RetrievalRecord, SessionOptions, TokenEvent } from '../../session/types.js';
import { modelPath, numberFlag, parseCli, readTokenFile, SESSION_FLAGS, sessionOptionsFrom } from '../args.js';
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
  json: { type: 'boolean' },
} as const;

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
}

function parseRequest(argv: string[]): GenerateRequest {
  const { values: v, positionals } = parseCli(argv, FLAGS);
  const path = modelPath(positionals);
  if ((v.prompt === undefined) === (v.tokens === undefined)) throw new UsageError('give exactly one of --prompt TEXT and --tokens FILE');
  const json = v.json ?? false;
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
    splitLast: v['split-last'] ?? false,
    topLogits: json ? (numberFlag('top-logits', v['top-logits'], true) ?? DEFAULT_TOP_LOGITS) : 0,
    trace: json && session.attention === 'infllm',
    stopOnAbort: true,
  };
  resolveGenerateOptions(options); // bad values fail before the model is loaded
  const prompt = v.tokens !== undefined ? { tokensFile: v.tokens } : { text: v.prompt as string };
  return { path, threads: numberFlag('threads', v.threads, true), session, prompt, options, json };
}

/** A retrieval record in the CLI's snake_case JSON. */
function recordJson(r: RetrievalRecord) {
  return { layer: r.layer, q_start: r.qStart, q_len: r.qLen, n_blocks: r.nBlocks, scored: r.scored, blocks: r.blocks };
}

function resultJson(r: GenerateResult, events: TokenEvent[], traced: boolean) {
  const t = r.timings;
  return {
    ids: r.ids,
    text: r.text,
    stop_reason: r.stopReason,
    top_logits: events.map((e) => e.topLogits ?? []),
    trace: traced ? events.map((e) => (e.retrieval ?? []).map(recordJson)) : null,
    prefill_trace: traced ? (r.prefillRetrieval ?? []).map(recordJson) : null,
    timings: {
      prompt_tokens: t.promptTokens,
      prefill_ms: t.prefillMs,
      prefill_tokens_per_second: t.prefillTokensPerSecond,
      decode_tokens: t.decodeTokens,
      decode_ms: t.decodeMs,
      decode_tokens_per_second: t.decodeTokensPerSecond,
    },
  };
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
    let streamed = '';
    const r = await session.generate(prompt, {
      ...req.options,
      signal: controller.signal,
      onToken: (e) => {
        events.push(e);
        if (!req.json && e.text) {
          streamed += e.text;
          io.stdout.write(e.text);
        }
      },
    });
    if (req.json) await writeJson(io, resultJson(r, events, session.attention === 'infllm'));
    // Text still held back when an abort came (a possible stop string, half a character).
    else await write(io.stdout, r.text.slice(streamed.length));
    return r.stopReason === 'abort' ? 130 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await model.dispose();
  }
}

export const generateCommand: CliCommand = {
  name: 'generate',
  usage:
    '<model.gguf> (--prompt TEXT | --tokens FILE) [-n N] [--temp T] [--seed S] [--top-k K] [--top-p P] [--min-p P] ' +
    '[--repeat-penalty R] [--stop S]... [--ignore-eog] [--attention full|infllm] [--infllm k=v,...] [--split-last] ' +
    '[--ctx N] [--threads N] [--json] [--top-logits K]',
  summary: 'generate a continuation (greedy unless --temp > 0); streams text, or prints one JSON object with --json',
  run: (argv, io) => runRequest(parseRequest(argv), io),
};
