/**
 * `infllm ask <model.gguf> <doc-or-folder> "question" [--library DIR] [--memory DIR] [-n N]
 * [--temp T] [--seed S] [--infllm k=v,...] [--passages K] [--json]`: ingests the document first
 * when its memory is missing (progress on stderr), streams the answer to stdout, then lists the
 * most retrieved passages with their source locations; with --json prints one object instead.
 * Ctrl-C stops the answer (keeping what was generated) or cancels the ingest (exit 130).
 */
import { Model } from '../../model/Model.js';
import { DocumentMemory, type AskResult } from '../../session/DocumentMemory.js';
import type { RetrievedPassage } from '../../session/retrievedPassages.js';
import type { SamplingOptions } from '../../session/sampling.js';
import { numberFlag, parseCli } from '../args.js';
import { DOCUMENT_FLAGS, documentRequest, EXIT_CANCELLED, openLibrary, runIngestWithProgress } from '../documentArgs.js';
import { write, writeJson } from '../io.js';
import { UsageError, type CliCommand, type CliIo } from '../types.js';

const FLAGS = {
  ...DOCUMENT_FLAGS,
  'n-predict': { type: 'string', short: 'n' },
  temp: { type: 'string' },
  seed: { type: 'string' },
  passages: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Default of -n. */
const DEFAULT_N = 128;
/** Characters of a passage shown in text output. */
const SNIPPET_CHARS = 200;

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS - 1)}\u2026` : flat;
}

function passageLines(passages: RetrievedPassage[]): string {
  if (passages.length === 0) return '\nNo memory blocks were retrieved (the document fits in the local window).\n';
  const lines = ['', 'Most retrieved passages:'];
  passages.forEach((p, i) => {
    const where = p.location.label || (p.parts.document === 0 ? '(prompt or question, not the document)' : '(no location)');
    const score = p.meanScore === null ? '' : `, mean score ${p.meanScore.toFixed(3)}`;
    lines.push(`${String(i + 1).padStart(3)}. ${where}  [block ${p.block}, ${p.count} selections${score}]`);
    if (p.text) lines.push(`     "${snippet(p.text)}"`);
  });
  return lines.join('\n') + '\n';
}

function passageJson(p: RetrievedPassage) {
  return {
    block: p.block,
    count: p.count,
    mean_score: p.meanScore,
    layers: p.layers,
    token_range: [p.tokenRange.start, p.tokenRange.end],
    parts: p.parts,
    char_range: p.charRange ? [p.charRange.start, p.charRange.end] : null,
    location: p.location,
    text: p.text,
  };
}

function resultJson(memory: DocumentMemory, question: string, r: AskResult) {
  const t = r.answer.timings;
  return {
    document: { id: memory.entry.id, title: memory.entry.title },
    memory: memory.dir,
    question,
    ids: r.answer.ids,
    text: r.answer.text,
    stop_reason: r.answer.stopReason,
    question_tokens: r.questionTokens,
    timings: { prefill_ms: t.prefillMs, decode_tokens: t.decodeTokens, decode_ms: t.decodeMs, decode_tokens_per_second: t.decodeTokensPerSecond },
    passages: r.passages.map(passageJson),
  };
}

async function answer(memory: DocumentMemory, question: string, o: { n: number; sampling: SamplingOptions; passages?: number; json: boolean }, io: CliIo) {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    let streamed = '';
    const r = await memory.ask(question, {
      maxTokens: o.n,
      sampling: o.sampling,
      passages: o.passages,
      signal: controller.signal,
      stopOnAbort: true,
      onToken: (e) => {
        if (o.json || !e.text) return;
        streamed += e.text;
        io.stdout.write(e.text);
      },
    });
    if (o.json) await writeJson(io, resultJson(memory, question, r));
    else await write(io.stdout, r.answer.text.slice(streamed.length) + '\n' + passageLines(r.passages));
    return r.answer.stopReason === 'abort' ? EXIT_CANCELLED : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseCli(argv, FLAGS);
  if (positionals.length !== 3) throw new UsageError(`expected a model, a document or folder and a question (usage: infllm ask ${askCommand.usage})`);
  const question = positionals[2];
  if (question.trim() === '') throw new UsageError('the question is empty');
  const req = documentRequest(v, positionals);
  const sampling: SamplingOptions = {};
  const temp = numberFlag('temp', v.temp);
  const seed = numberFlag('seed', v.seed, true);
  if (temp !== undefined) sampling.temperature = temp;
  if (seed !== undefined) sampling.seed = seed;
  const n = numberFlag('n-predict', v['n-predict'], true) ?? DEFAULT_N;
  const passages = numberFlag('passages', v.passages, true);
  const library = await openLibrary(req.library, io);
  const model = await Model.load(req.model, { threads: req.threads });
  try {
    const ingested = await runIngestWithProgress(req, library, model, io);
    if (!ingested) return EXIT_CANCELLED;
    const memory = await DocumentMemory.open({
      library,
      model,
      documentId: ingested.entry.id,
      infllm: req.infllm,
      memoryDir: ingested.memoryDir,
    });
    try {
      return await answer(memory, question, { n, sampling, passages, json: v.json === true }, io);
    } finally {
      await memory.dispose();
    }
  } finally {
    await model.dispose();
  }
}

export const askCommand: CliCommand = {
  name: 'ask',
  usage:
    '<model.gguf> <doc-or-folder> "question" [--library DIR] [--memory DIR] [-n N] [--temp T] [--seed S] [--infllm k=v,...] ' +
    '[--passages K] [--max-tokens N] [--storage disk|ram] [--threads N] [--json]',
  summary: 'answer a question about a document from its InfLLM memory (ingesting it first if needed), with the most retrieved passages',
  run,
};
