/** `infllm info <model.gguf>`: prints the model's {@link ModelInfo} as JSON (exit 0), or one error line (exit 1). */
import { readGguf } from '../../model/gguf.js';
import { describeModel } from '../../model/modelInfo.js';
import { writeJson } from '../io.js';
import { UsageError, type CliCommand } from '../types.js';

export const infoCommand: CliCommand = {
  name: 'info',
  usage: '<model.gguf>',
  summary: 'print a JSON summary of a GGUF model (architecture, sizes, quantization, support)',
  async run(argv, io) {
    const flags = argv.filter((a) => a.startsWith('-'));
    if (flags.length > 0) throw new UsageError(`unknown option ${flags[0]}`);
    if (argv.length !== 1) throw new UsageError('expected exactly one argument: the path of a .gguf file');
    const file = await readGguf(argv[0]);
    await writeJson(io, describeModel(file));
    return 0;
  },
};
