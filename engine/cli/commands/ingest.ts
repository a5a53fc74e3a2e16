/**
 * `infllm ingest <model.gguf> <doc-or-folder> [--memory DIR] [--library DIR] [--infllm k=v,...]
 * [--max-tokens N] [--storage disk|ram] [--checkpoint-tokens N] [--threads N] [--force]`: adds the
 * document to the library, prefills it into InfLLM memory and saves it; prints the memory folder.
 * Progress (phase, %, tok/s, ETA) goes to stderr. Ctrl-C cancels (exit 130); running the same
 * command again resumes from the last checkpoint.
 */
import { Model } from '../../model/Model.js';
import { parseCli } from '../args.js';
import { DOCUMENT_FLAGS, documentRequest, EXIT_CANCELLED, openLibrary, runIngestWithProgress } from '../documentArgs.js';
import { write } from '../io.js';
import { UsageError, type CliCommand, type CliIo } from '../types.js';

const FLAGS = { ...DOCUMENT_FLAGS, force: { type: 'boolean' } } as const;

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(argv, FLAGS);
  if (positionals.length !== 2) throw new UsageError(`expected a model and a document or folder (usage: infllm ingest ${ingestCommand.usage})`);
  const req = documentRequest(values, positionals);
  const library = await openLibrary(req.library, io);
  const model = await Model.load(req.model, { threads: req.threads });
  try {
    const result = await runIngestWithProgress(req, library, model, io, values.force === true);
    if (!result) return EXIT_CANCELLED;
    if (result.status === 'reused') io.stderr.write('already ingested with these settings\n');
    else if (result.resumedFrom > 0) io.stderr.write(`resumed from token ${result.resumedFrom} of ${result.streamTokens}\n`);
    await write(io.stdout, result.memoryDir + '\n');
    return 0;
  } finally {
    await model.dispose();
  }
}

export const ingestCommand: CliCommand = {
  name: 'ingest',
  usage:
    '<model.gguf> <doc-or-folder> [--memory DIR] [--library DIR] [--infllm k=v,...] [--max-tokens N] [--storage disk|ram] ' +
    '[--checkpoint-tokens N] [--threads N] [--force]',
  summary: 'add a document to the library and save its InfLLM memory (resumable); prints the memory folder',
  run,
};
