/**
 * `infllm detokenize <model.gguf>`: a JSON array of token ids on stdin → the decoded text on
 * stdout, exactly (no newline added; control tokens are rendered as their text). Malformed JSON,
 * a non-integer or an out-of-range id: one error line, exit 1.
 */
import { EngineError } from '../../errors.js';
import { loadTokenizer } from '../../model/tokenizer/loadTokenizer.js';
import { readAll, write } from '../io.js';
import { UsageError, type CliCommand } from '../types.js';

function parseIds(input: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch (err) {
    throw new EngineError('INVALID_ARGUMENT', `stdin is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(value)) throw new EngineError('INVALID_ARGUMENT', 'stdin must be a JSON array of token ids');
  const bad = value.findIndex((v) => typeof v !== 'number' || !Number.isInteger(v));
  if (bad >= 0) throw new EngineError('INVALID_ARGUMENT', `element ${bad} of the array is not an integer token id`);
  return value as number[];
}

export const detokenizeCommand: CliCommand = {
  name: 'detokenize',
  usage: '<model.gguf>',
  summary: 'decode a JSON array of token ids from stdin to text with the model\'s tokenizer',
  async run(argv, io) {
    const flags = argv.filter((a) => a.startsWith('-'));
    if (flags.length > 0) throw new UsageError(`unknown option ${flags[0]}`);
    if (argv.length !== 1) throw new UsageError('expected exactly one argument: the path of a .gguf file');
    const tokenizer = await loadTokenizer(argv[0]);
    const ids = parseIds((await readAll(io.stdin)).toString('utf8'));
    await write(io.stdout, tokenizer.decode(ids));
    return 0;
  },
};
