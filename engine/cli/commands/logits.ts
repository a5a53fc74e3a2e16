/**
 * `infllm logits <model.gguf> --tokens <ids.json> [--attention full|infllm] [--infllm k=v,...]
 * [--ctx N] [--threads N]`: feeds the ids in one session and prints `{"n_vocab":…,"logits":[…]}`,
 * the float32 logits of the last position.
 */
import { Model } from '../../model/Model.js';
import { modelPath, numberFlag, parseCli, readTokenFile, SESSION_FLAGS, sessionOptionsFrom } from '../args.js';
import { writeJson } from '../io.js';
import { UsageError, type CliCommand } from '../types.js';

/** The `infllm logits` command. */
export const logitsCommand: CliCommand = {
  name: 'logits',
  usage: '<model.gguf> --tokens <ids.json> [--attention full|infllm] [--infllm k=v,...] [--ctx N] [--threads N]',
  summary: 'print the logits of the last position after feeding token ids, as JSON {n_vocab, logits}',
  async run(argv, io) {
    const { values, positionals } = parseCli(argv, { ...SESSION_FLAGS, tokens: { type: 'string' } });
    const path = modelPath(positionals);
    if (values.tokens === undefined) throw new UsageError('--tokens <ids.json> is required');
    const sessionOptions = sessionOptionsFrom(values);
    const threads = numberFlag('threads', values.threads, true);
    const tokens = await readTokenFile(values.tokens, io);
    const model = await Model.load(path, { threads });
    try {
      const session = model.createSession(sessionOptions);
      const r = await session.evaluate(tokens, { logits: 'last' });
      await writeJson(io, { n_vocab: model.info.nVocab, logits: Array.from(r.logits ?? []) });
    } finally {
      await model.dispose();
    }
    return 0;
  },
};
