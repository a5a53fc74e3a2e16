/**
 * `infllm tokenize <model.gguf> [--no-bos] [--no-special]`: UTF-8 text on stdin (taken as is, no
 * trimming) → JSON array of token ids on stdout. --no-bos: no BOS/EOS (addSpecial false);
 * --no-special: control-token texts stay plain text (parseSpecial false).
 */
import { loadTokenizer } from '../../model/tokenizer/loadTokenizer.js';
import { readAll, writeJson } from '../io.js';
import { UsageError, type CliCommand } from '../types.js';

export const tokenizeCommand: CliCommand = {
  name: 'tokenize',
  usage: '<model.gguf> [--no-bos] [--no-special]',
  summary: 'tokenize UTF-8 text from stdin with the model\'s tokenizer; prints a JSON array of ids',
  async run(argv, io) {
    const known = new Set(['--no-bos', '--no-special']);
    const flags = argv.filter((a) => a.startsWith('-'));
    const unknown = flags.find((f) => !known.has(f));
    if (unknown) throw new UsageError(`unknown option ${unknown}`);
    const paths = argv.filter((a) => !a.startsWith('-'));
    if (paths.length !== 1) throw new UsageError('expected exactly one argument: the path of a .gguf file');
    const tokenizer = await loadTokenizer(paths[0]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await readAll(io.stdin));
    const ids = tokenizer.encode(text, { addSpecial: !flags.includes('--no-bos'), parseSpecial: !flags.includes('--no-special') });
    await writeJson(io, ids);
    return 0;
  },
};
