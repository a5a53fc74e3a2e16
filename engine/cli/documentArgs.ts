/**
 * What `infllm ingest` and `infllm ask` share: their common flags, the library folder, the
 * partial --infllm settings (keys not given keep their defaults, n_init the prompt prefix),
 * the progress display on stderr and the ingest job run with Ctrl-C as cancel.
 */
import { extract } from '../ingest/extract.js';
import { defaultLibraryDir } from '../library/defaultLibraryDir.js';
import { IngestJob, type IngestResult } from '../library/IngestJob.js';
import type { IngestProgress } from '../library/ingestProgress.js';
import { LibraryService } from '../library/LibraryService.js';
import type { MemoryModel } from '../library/memoryModel.js';
import { CLI_KEYS, parseInfllmSpec, type InfllmSettings } from '../session/infllmSettings.js';
import { numberFlag } from './args.js';
import { UsageError, type CliIo } from './types.js';

/** Flags of both commands. */
export const DOCUMENT_FLAGS = {
  library: { type: 'string' },
  memory: { type: 'string' },
  infllm: { type: 'string' },
  'max-tokens': { type: 'string' },
  storage: { type: 'string' },
  threads: { type: 'string' },
  'checkpoint-tokens': { type: 'string' },
} as const;

/** Parsed common flags. */
export interface DocumentRequest {
  model: string;
  document: string;
  library: string;
  memoryDir?: string;
  infllm: InfllmSettings;
  maxTokens?: number;
  storage?: 'ram' | 'disk';
  threads?: number;
  checkpointTokens?: number;
}

/** The settings named in an --infllm value (validated as a whole; absent keys stay absent). */
export function partialInfllmSpec(spec: string | undefined): InfllmSettings {
  if (spec === undefined) return {};
  let full: Required<InfllmSettings>;
  try {
    full = parseInfllmSpec(spec);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const out: Record<string, unknown> = {};
  for (const part of spec.split(',')) {
    const field = CLI_KEYS[part.slice(0, part.indexOf('=')).trim()];
    if (field) out[field] = full[field];
  }
  return out as InfllmSettings;
}

/** Reads the common flags; `positionals` must start with the model and the document. */
export function documentRequest(values: Record<string, string | boolean | undefined>, positionals: string[]): DocumentRequest {
  const str = (k: string) => values[k] as string | undefined;
  const storage = str('storage');
  if (storage !== undefined && storage !== 'ram' && storage !== 'disk') throw new UsageError(`--storage must be "ram" or "disk" (got "${storage}")`);
  const positive = (k: string) => {
    const v = numberFlag(k, str(k), true);
    if (v !== undefined && v < 1) throw new UsageError(`--${k} must be an integer >= 1 (got "${str(k)}")`);
    return v;
  };
  return {
    model: positionals[0],
    document: positionals[1],
    library: str('library') ?? defaultLibraryDir(),
    memoryDir: str('memory'),
    infllm: partialInfllmSpec(str('infllm')),
    maxTokens: positive('max-tokens'),
    storage,
    threads: positive('threads'),
    checkpointTokens: positive('checkpoint-tokens'),
  };
}

/** Opens (creating) the library at `root` with the real extractor. */
export function openLibrary(root: string, io: CliIo): Promise<LibraryService> {
  return LibraryService.open({ root, extract, onWarning: (m) => void io.stderr.write(`warning: ${m}\n`) });
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One progress line: phase, percent, counts, speed and time left. */
export function formatProgress(p: IngestProgress): string {
  const pct = p.total > 0 ? ((100 * p.done) / p.total).toFixed(1) : '0.0';
  let line = `${p.phase.padEnd(8)} ${pct.padStart(5)}%  ${p.done}/${p.total}`;
  if (p.phase === 'prefill') line += ' tokens';
  if (p.tokensPerSecond > 0) line += `  ${p.tokensPerSecond.toFixed(0)} tok/s`;
  if (p.etaSeconds !== null) line += `  ETA ${clock(p.etaSeconds)}`;
  return line;
}

/** Exit code of a command cancelled with Ctrl-C (128 + SIGINT). */
export const EXIT_CANCELLED = 130;

/**
 * Runs the ingest job with progress on stderr (one rewritten line on a terminal, else one line
 * per event at most every 2 s). SIGINT cancels it: it then says so on stderr and resolves with
 * undefined (the next run resumes from the last checkpoint).
 */
export async function runIngestWithProgress(
  req: DocumentRequest,
  library: LibraryService,
  model: MemoryModel,
  io: CliIo,
  force = false,
): Promise<IngestResult | undefined> {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let shown = false;
  try {
    return await IngestJob.run({
      library,
      model,
      source: { path: req.document },
      infllm: req.infllm,
      maxTokens: req.maxTokens,
      memoryDir: req.memoryDir,
      storage: req.storage,
      checkpointTokens: req.checkpointTokens,
      force,
      signal: controller.signal,
      progressIntervalMs: tty ? 250 : 2000,
      onProgress: (p) => {
        shown = true;
        io.stderr.write(tty ? `\r\x1b[K${formatProgress(p)}` : `${formatProgress(p)}\n`);
      },
    });
  } catch (err) {
    if (!controller.signal.aborted || err !== controller.signal.reason) throw err;
    if (tty && shown) io.stderr.write('\n');
    shown = false;
    io.stderr.write('cancelled; run the same command again to resume from the last checkpoint\n');
    return undefined;
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (tty && shown) io.stderr.write('\n');
  }
}
