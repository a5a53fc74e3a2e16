/**
 * `infllm generate <model.gguf> (--prompt TEXT | --tokens FILE) [-n N] [sampling flags]
 * [--attention full|infllm] [--infllm k=v,...] [--split-last] [--stop S]... [--json]`: streams the
 * generated text to stdout (exactly, no newline added), or with --json prints one object
 * {ids, text, stop_reason, top_logits, trace, prefill_trace, timings}. Ctrl-C stops generation
 * and keeps what was generated (exit 130).
 */
import type { RetrievalRecord, TokenEvent } from '../../index.js';
import { Model } from '../../model/Model.js';
import { resolveGenerateOptions } from '../../session/Generation.js';
import type { GenerateResult } from '../../session/types.js';
import { modelPath, numberFlag, parseCli, readTokenFile, SESSION_FLAGS, sessionOptionsFrom } from '../args.js';
import { write, writeJson } from '../io.js';
import { UsageError, type CliCommand } from '../types.js';

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

export const generateCommand: CliCommand = {
  name: 'generate',
  usage:
    '<model.gguf> (--prompt TEXT | --tokens FILE) [-n N] [--temp T] [--seed S] [--top-k K] [--top-p P] [--min-p P] ' +
    '[--repeat-penalty R] [--stop S]... [--ignore-eog] [--attention full|infllm] [--infllm k=v,...] [--split-last] ' +
    '[--ctx N] [--threads N] [--json] [--top-logits K]',
  summary: 'generate a continuation (greedy unless --temp > 0); streams text, or prints one JSON object with --json',
  async run(argv, io) {
    const { values: v, positionals } = parseCli(argv, FLAGS);
    const path = modelPath(positionals);
    if ((v.prompt === undefined) === (v.tokens === undefined)) throw new UsageError('give exactly one of --prompt TEXT and --tokens FILE');
    const sessionOptions = sessionOptionsFrom(v);
    const threads = numberFlag('threads', v.threads, true);
    const maxTokens = numberFlag('n-predict', v['n-predict'], true) ?? DEFAULT_N;
    const topLogits = v.json ? (numberFlag('top-logits', v['top-logits'], true) ?? DEFAULT_TOP_LOGITS) : 0;
    const sampling = {
      temperature: numberFlag('temp', v.temp),
      seed: numberFlag('seed', v.seed, true),
      topK: numberFlag('top-k', v['top-k'], true),
      topP: numberFlag('top-p', v['top-p']),
      minP: numberFlag('min-p', v['min-p']),
      repeatPenalty: numberFlag('repeat-penalty', v['repeat-penalty']),
    };
    const definedSampling = Object.fromEntries(Object.entries(sampling).filter(([, x]) => x !== undefined));
    resolveGenerateOptions({ maxTokens, sampling: definedSampling, stop: v.stop, topLogits }); // bad values fail before loading
    const prompt = v.tokens !== undefined ? await readTokenFile(v.tokens, io) : (v.prompt as string);
    const model = await Model.load(path, { threads });
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const session = model.createSession(sessionOptions);
      const events: TokenEvent[] = [];
      let streamed = '';
      const traced = session.attention === 'infllm';
      const r = await session.generate(prompt, {
        maxTokens,
        sampling: definedSampling,
        stop: v.stop ?? [],
        stopOnEog: !v['ignore-eog'],
        splitLast: v['split-last'] ?? false,
        trace: v.json && traced,
        topLogits,
        signal: controller.signal,
        stopOnAbort: true,
        onToken: (e) => {
          if (v.json) events.push(e);
          else if (e.text) {
            streamed += e.text;
            io.stdout.write(e.text);
          }
        },
      });
      if (v.json) await writeJson(io, resultJson(r, events, traced));
      else {
        // Text still held back when an abort came (a possible stop string, half a character).
        await write(io.stdout, r.text.slice(streamed.length));
      }
      return r.stopReason === 'abort' ? 130 : 0;
    } finally {
      process.removeListener('SIGINT', onSigint);
      await model.dispose();
    }
  },
};
