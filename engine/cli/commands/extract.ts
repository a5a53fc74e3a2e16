/**
 * `infllm extract <file-or-folder> [--json]`: prints the extracted text of a document or codebase
 * (or one JSON object with text, source map, warnings and stats). Progress goes to stderr, and
 * only when stderr is a terminal.
 */
import { parseArgs } from 'node:util';
import { extract } from '../../ingest/extract.js';
import type { ExtractLimits } from '../../ingest/ExtractOptions.js';
import type { ExtractProgress } from '../../ingest/types.js';
import { write, writeJson } from '../io.js';
import { UsageError, type CliCommand, type CliIo } from '../types.js';

const SIZE_SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses "20000000", "16M", "512k" into a positive integer. */
function parseSize(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)([kmg]?)$/i.exec(value.trim());
  const n = m ? Number(m[1]) * SIZE_SUFFIX[m[2].toLowerCase()] : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer, optionally with k, M or G (got "${value}")`);
  return n;
}

function parse(argv: string[]): { path: string; json: boolean; limits: ExtractLimits } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        'max-chars': { type: 'string' },
        'max-file-bytes': { type: 'string' },
        'max-total-bytes': { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`expected one file or folder, got ${positionals.length} (usage: infllm extract ${extractCommand.usage})`);
  const limits: ExtractLimits = {
    maxChars: parseSize('max-chars', values['max-chars']),
    maxFileBytes: parseSize('max-file-bytes', values['max-file-bytes']),
    maxTotalBytes: parseSize('max-total-bytes', values['max-total-bytes']),
  };
  return { path: positionals[0], json: values.json === true, limits };
}

/** A one-line progress display on a terminal. */
function progressLine(stream: NodeJS.WritableStream): { update: (p: ExtractProgress) => void; clear: () => void } {
  return {
    update(p) {
      const count = p.total > 0 ? `${p.done}/${p.total}` : `${p.done} entries`;
      const current = p.current ? ` ${p.current}`.slice(0, 60) : '';
      stream.write(`\r\x1b[K${p.phase === 'scan' ? 'scanning' : 'extracting'} ${count}${current}`);
    },
    clear: () => void stream.write('\r\x1b[K'),
  };
}

/** The `extract` subcommand. */
export const extractCommand: CliCommand = {
  name: 'extract',
  usage: '<file-or-folder> [--json] [--max-chars N] [--max-file-bytes N] [--max-total-bytes N]',
  summary: 'print the text of a PDF, EPUB, HTML, Markdown or text file, or of a codebase folder',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { path, json, limits } = parse(argv);
    const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
    const progress = tty ? progressLine(io.stderr) : undefined;
    let doc;
    try {
      doc = await extract(path, { limits, onProgress: progress?.update });
    } finally {
      progress?.clear();
    }
    if (json) {
      const { format, title, text, sourceMap, warnings, stats } = doc;
      await writeJson(io, { format, title, text, sourceMap, warnings, stats });
      return 0;
    }
    await write(io.stdout, doc.text.endsWith('\n') ? doc.text : doc.text + '\n');
    for (const w of doc.warnings) io.stderr.write(`infllm extract: warning: ${w}\n`);
    return 0;
  },
};
