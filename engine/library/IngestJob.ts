/**
 * The ingest job: library document + model + InfLLM settings → saved document memory. Steps:
 * extract (library.add, unless given an id) → tokenize (prompt prefix + document) → prefill into
 * an InfLLM session in calls that are multiples of the execution chunk → save, then one rename
 * moves the staging folder into place. Every `checkpointTokens` tokens / `checkpointSeconds` the
 * memory is saved into the staging folder; the next run after a crash or cancel opens that
 * checkpoint and continues. Checkpoints sit at chunk multiples, so (spec O4) the finished memory
 * is bit-identical to an uninterrupted run. Documents over `maxTokens` are refused (TOO_LARGE).
 * A failing job touches nothing but its own staging folder and lock file.
 */
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EngineError } from '../errors.js';
import { isCancelled, throwIfAborted } from '../lifecycle/abort.js';
import { cleanTempFiles, commitDir, nodeAtomicFs } from '../lifecycle/atomicWrite.js';
import { formatCount } from '../ingest/ExtractOptions.js';
import type { DocumentPromptOptions } from '../session/documentPrompt.js';
import type { InfllmSettings } from '../session/infllmSettings.js';
import { layoutMatches, memoryFolders, nativeMemoryDir, planDocumentMemory, type DocumentMemoryPlan, type MemoryFolders } from './documentMemoryPlan.js';
import { acquireIngestLock } from './ingestLock.js';
import { IngestProgressReporter, type IngestProgress } from './ingestProgress.js';
import type { LibraryService } from './LibraryService.js';
import { fsError } from './libraryUtil.js';
import { encodeTokens, LAYOUT_FILE, LAYOUT_FORMAT, LAYOUT_SCHEMA, readLayout, sha256Hex, writeLayout, type MemoryLayout } from './memoryLayout.js';
import type { MemoryModel, MemorySession, MemorySessionOptions } from './memoryModel.js';
import type { AddProgress, DocumentEntry } from './types.js';

/** Default largest document accepted, in tokens (4 Mi). */
export const DEFAULT_MAX_DOCUMENT_TOKENS = 4 * 1024 * 1024;
/** Default model call size while prefilling, tokens (rounded down to a multiple of the chunk, at least one chunk). */
export const DEFAULT_CALL_TOKENS = 512;
/** Default checkpoint interval in tokens. */
export const DEFAULT_CHECKPOINT_TOKENS = 65_536;
/** Default checkpoint interval in seconds. */
export const DEFAULT_CHECKPOINT_SECONDS = 300;
/** Documents of at least this many characters are tokenized in a worker thread (~0.1 s of work and more). */
export const DEFAULT_TOKENIZE_IN_WORKER_FROM = 256 * 1024;
/** Folder inside the staging folder for disk-tier block files made while prefilling. */
const SCRATCH_DIR = 'scratch';
/** Temp folders the native save makes next to `memory/` (`.memory.saving-<hex>`, `.memory.old-<hex>`). */
const NATIVE_SAVE_LEFTOVER = /^\.memory\.(saving|old)-[0-9a-f]+$/;

/** Options of {@link IngestJob.run}. */
export interface IngestJobOptions {
  library: LibraryService;
  model: MemoryModel;
  /** A file or folder to add to the library (extracted unless it is there already), or a library entry's id. */
  source: { path: string } | { id: string };
  /** InfLLM settings [paper defaults; nInit: the prompt prefix length]. */
  infllm?: InfllmSettings;
  /** Prompt layout [auto style, default system prompt and header]. */
  prompt?: DocumentPromptOptions;
  /** Largest document accepted, in tokens [DEFAULT_MAX_DOCUMENT_TOKENS]. */
  maxTokens?: number;
  /** Put the memory here instead of the library's memory folder for this model and configuration. */
  memoryDir?: string;
  /**
   * Where blocks live while prefilling ['disk']: 'disk' appends them to files in the staging
   * folder, so checkpoints and the final save link those files instead of writing the memory
   * again; 'ram' keeps them in process memory (every checkpoint then writes the whole memory).
   */
  storage?: 'ram' | 'disk';
  /** Model call size in tokens [DEFAULT_CALL_TOKENS]. */
  callTokens?: number;
  /** Save a checkpoint after this many tokens [DEFAULT_CHECKPOINT_TOKENS] … */
  checkpointTokens?: number;
  /** … or this many seconds since the last one, whichever comes first [DEFAULT_CHECKPOINT_SECONDS]. */
  checkpointSeconds?: number;
  /** Tokenize in a worker thread (keeping the JS thread free, cancellable) from this many characters [DEFAULT_TOKENIZE_IN_WORKER_FROM]. */
  tokenizeInWorkerFrom?: number;
  /** Ingest again even when the memory exists (it is replaced at the end) [false]. */
  force?: boolean;
  /** Cancels the job within one layer of the running model call; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Progress per phase; an exception from it stops the job with that error. */
  onProgress?: (progress: IngestProgress) => void;
  /** Minimum ms between progress events inside a phase [250]. */
  progressIntervalMs?: number;
  /** Called after each checkpoint with the number of stream tokens it holds. */
  onCheckpoint?: (tokens: number) => void;
}

/** What a finished job reports. */
export interface IngestResult {
  entry: DocumentEntry;
  /** The memory folder (layout.json, tokens.bin, memory/). */
  memoryDir: string;
  layout: MemoryLayout;
  /** 'reused': the memory existed and nothing was computed. */
  status: 'ingested' | 'reused';
  /** Stream tokens restored from a checkpoint (0 = started from scratch). */
  resumedFrom: number;
  /** Prompt prefix + document tokens in the memory. */
  streamTokens: number;
  /** Checkpoints saved by this run. */
  checkpoints: number;
}

function positiveInt(name: string, v: number | undefined, def: number): number {
  const value = v ?? def;
  if (!Number.isSafeInteger(value) || value < 1) throw new EngineError('INVALID_ARGUMENT', `${name} must be an integer >= 1 (got ${String(v)})`);
  return value;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Refuses a target folder that is not a document memory (a user-given --memory pointing at their
 * own files must never be replaced); an empty folder or a damaged memory may be replaced.
 */
async function checkTarget(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new EngineError('INVALID_ARGUMENT', `${dir} exists and is not a folder`);
    throw fsError(`cannot read ${dir}`, err);
  }
  if (names.length > 0 && !names.includes(LAYOUT_FILE)) {
    throw new EngineError('INVALID_ARGUMENT', `${dir} exists and is not a document memory; choose another folder`);
  }
}

/** One run of the ingest job. */
export class IngestJob {
  private readonly reporter: IngestProgressReporter;
  private readonly maxTokens: number;
  private readonly checkpointTokens: number;
  private readonly checkpointMs: number;
  private readonly workerFrom: number;
  private checkpoints = 0;

  constructor(private readonly o: IngestJobOptions) {
    this.reporter = new IngestProgressReporter(o.onProgress, o.progressIntervalMs);
    this.maxTokens = positiveInt('maxTokens', o.maxTokens, DEFAULT_MAX_DOCUMENT_TOKENS);
    this.checkpointTokens = positiveInt('checkpointTokens', o.checkpointTokens, DEFAULT_CHECKPOINT_TOKENS);
    this.checkpointMs = 1000 * positiveInt('checkpointSeconds', o.checkpointSeconds, DEFAULT_CHECKPOINT_SECONDS);
    positiveInt('callTokens', o.callTokens, DEFAULT_CALL_TOKENS);
    this.workerFrom = positiveInt('tokenizeInWorkerFrom', o.tokenizeInWorkerFrom, DEFAULT_TOKENIZE_IN_WORKER_FROM);
    if (o.storage !== undefined && o.storage !== 'ram' && o.storage !== 'disk') {
      throw new EngineError('INVALID_ARGUMENT', `storage must be 'ram' or 'disk' (got ${String(o.storage)})`);
    }
  }

  /** Runs a job. See {@link IngestJobOptions}. */
  static run(options: IngestJobOptions): Promise<IngestResult> {
    return new IngestJob(options).run();
  }

  /**
   * Runs the job.
   * @throws EngineError TOO_LARGE, BUSY (another job on this memory), INVALID_ARGUMENT, library and
   *   extractor errors, IO_ERROR, MEMORY_*; the signal's reason when cancelled
   */
  async run(): Promise<IngestResult> {
    const { signal } = this.o;
    throwIfAborted(signal);
    const plan = planDocumentMemory(this.o.model, { infllm: this.o.infllm, prompt: this.o.prompt });
    const entry = await this.extract();
    const folders = memoryFolders(this.o.library, entry.id, plan, this.o.memoryDir);
    const existing = this.o.force ? undefined : await this.existing(folders.dir, plan, entry);
    if (existing) return existing;
    await checkTarget(folders.dir);
    const { layout, bytes, stream } = await this.tokenize(entry, plan);
    await mkdir(dirname(folders.dir), { recursive: true }).catch((err: unknown) => {
      throw fsError(`cannot create ${dirname(folders.dir)}`, err);
    });
    const release = await acquireIngestLock(folders.dir);
    try {
      const again = this.o.force ? undefined : await this.existing(folders.dir, plan, entry);
      if (again) return again;
      await this.prepareStaging(folders.staging, layout, bytes);
      const resumedFrom = await this.build(folders, plan, stream);
      await this.commit(folders);
      return { entry, memoryDir: folders.dir, layout, status: 'ingested', resumedFrom, streamTokens: stream.length, checkpoints: this.checkpoints };
    } finally {
      await release();
    }
  }

  // --- steps -----------------------------------------------------------------------------------

  /**
   * Adds the source to the library (or looks the id up), reporting extraction progress. The first
   * event comes once the library has started on the source (a missing file fails without one).
   */
  private async extract(): Promise<DocumentEntry> {
    const { library, source, signal } = this.o;
    let total = 1;
    let started = false;
    const start = () => {
      if (!started) this.reporter.report('extract', 0, total, true);
      started = true;
    };
    let entry: DocumentEntry;
    if ('id' in source) entry = await library.get(source.id);
    else {
      const onProgress = (p: AddProgress) => {
        start();
        if (p.phase !== 'extract' || p.total <= 0) return;
        total = p.total;
        if (p.done < p.total) this.reporter.report('extract', p.done, p.total);
      };
      entry = await library.add(source.path, { signal, onProgress });
    }
    start();
    this.reporter.report('extract', total, total, true);
    this.reporter.rethrow();
    throwIfAborted(signal);
    return entry;
  }

  /** Tokenizes the document (refusing it over maxTokens): the layout files' content and the token stream to prefill. */
  private async tokenize(entry: DocumentEntry, plan: DocumentMemoryPlan): Promise<{ layout: MemoryLayout; bytes: Uint8Array; stream: number[] }> {
    const text = await this.o.library.readText(entry.id);
    throwIfAborted(this.o.signal);
    this.reporter.report('tokenize', 0, text.length, true);
    const encoded = text.length >= this.workerFrom ? await plan.prompt.encodeDocumentAsync(text, this.o.signal) : plan.prompt.encodeDocument(text);
    this.reporter.report('tokenize', text.length, text.length, true);
    this.reporter.rethrow();
    const n = encoded.ids.length;
    if (n > this.maxTokens) {
      throw new EngineError('TOO_LARGE', `the document has ${formatCount(n)} tokens; the limit is ${formatCount(this.maxTokens)} (it is never truncated)`);
    }
    const bytes = encodeTokens({ ids: Int32Array.from(encoded.ids), offsets: encoded.offsets });
    const layout: MemoryLayout = {
      format: LAYOUT_FORMAT,
      schema: LAYOUT_SCHEMA,
      documentId: entry.id,
      contentHash: entry.contentHash,
      modelFingerprint: this.o.model.info.fingerprint,
      settings: plan.settings,
      prompt: plan.prompt.key,
      documentTokens: n,
      textLength: text.length,
      tokensSha256: sha256Hex(bytes),
    };
    return { layout, bytes, stream: [...plan.prompt.prefix, ...encoded.ids] };
  }

  /** The finished memory in `dir` when it matches (undefined when there is none or it is unusable). */
  private async existing(dir: string, plan: DocumentMemoryPlan, entry: DocumentEntry): Promise<IngestResult | undefined> {
    let found;
    try {
      found = await readLayout(dir);
    } catch {
      return undefined; // missing or damaged: build it (again); the new one replaces it
    }
    if (!layoutMatches(found.layout, plan, entry.contentHash, this.o.model.info.fingerprint)) return undefined;
    if (!(await exists(nativeMemoryDir(dir)))) return undefined;
    const streamTokens = found.layout.prompt.prefix.length + found.layout.documentTokens;
    return { entry, memoryDir: dir, layout: found.layout, status: 'reused', resumedFrom: streamTokens, streamTokens, checkpoints: 0 };
  }

  /** Keeps a staging folder made for this same stream (it may hold a checkpoint); else starts a fresh one. */
  private async prepareStaging(staging: string, layout: MemoryLayout, bytes: Uint8Array): Promise<void> {
    try {
      const found = await readLayout(staging).catch(() => undefined);
      if (found && JSON.stringify(found.layout) === JSON.stringify(layout)) {
        // leftovers of a killed run: the native save's temp folders, our temp files
        for (const name of await readdir(staging)) if (NATIVE_SAVE_LEFTOVER.test(name)) await nodeAtomicFs.rm(join(staging, name));
        await cleanTempFiles(staging);
        return;
      }
      await nodeAtomicFs.rm(staging);
      await mkdir(staging, { recursive: true });
      await writeLayout(staging, layout, bytes);
    } catch (err) {
      throw fsError(`cannot prepare ${staging}`, err);
    }
  }

  /** Session options for this job (disk storage: block files in the staging folder). */
  private async sessionOptions(staging: string, plan: DocumentMemoryPlan): Promise<MemorySessionOptions> {
    const { chunk } = plan.settings;
    const call = positiveInt('callTokens', this.o.callTokens, DEFAULT_CALL_TOKENS);
    const maxCallTokens = Math.max(chunk, Math.floor(call / chunk) * chunk);
    if (this.o.storage === 'ram') return { attention: 'infllm', infllm: plan.settings, maxCallTokens };
    // Block files a killed run left here are not part of the checkpoint (it holds its own links).
    const storageDir = join(staging, SCRATCH_DIR);
    await nodeAtomicFs.rm(storageDir);
    await mkdir(storageDir, { recursive: true });
    return { attention: 'infllm', infllm: plan.settings, maxCallTokens, storageDir };
  }

  /** Opens the staging checkpoint if there is a usable one, else a fresh session. */
  private async startSession(staging: string, options: MemorySessionOptions, total: number): Promise<{ session: MemorySession; from: number }> {
    const { model } = this.o;
    let session: MemorySession | undefined;
    if (!(await exists(nativeMemoryDir(staging)))) return { session: model.createSession(options), from: 0 };
    try {
      session = await model.openSession(nativeMemoryDir(staging), options);
      const from = session.stats().nPast;
      if (from <= total && (from % options.infllm.chunk === 0 || from === total)) return { session, from };
    } catch (err) {
      if (isCancelled(err)) throw err;
      // no checkpoint, or one that cannot be used: start over
    }
    await session?.dispose();
    await nodeAtomicFs.rm(nativeMemoryDir(staging));
    return { session: model.createSession(options), from: 0 };
  }

  /** Prefills `stream` from the checkpoint (or 0), saving checkpoints; leaves the final memory in the staging folder. */
  private async build(folders: MemoryFolders, plan: DocumentMemoryPlan, stream: number[]): Promise<number> {
    const options = await this.sessionOptions(folders.staging, plan);
    const { session, from } = await this.startSession(folders.staging, options, stream.length);
    try {
      const saved = await this.prefill(session, stream, from, folders.staging, options.maxCallTokens as number);
      if (saved !== stream.length) {
        this.reporter.report('save', 0, 1, true);
        await session.save(nativeMemoryDir(folders.staging));
      }
      this.reporter.report('save', 1, 1, true);
      this.reporter.rethrow();
      return from;
    } finally {
      await session.dispose();
      if (options.storageDir) await nodeAtomicFs.rm(options.storageDir).catch(() => undefined);
    }
  }

  /** Feeds stream[from..] in chunk-aligned calls; returns the position of the last checkpoint saved (or `from`). */
  private async prefill(session: MemorySession, stream: number[], from: number, staging: string, call: number): Promise<number> {
    const { signal } = this.o;
    const total = stream.length;
    let pos = from;
    let saved = from;
    let savedAt = performance.now();
    this.reporter.startRate(from);
    this.reporter.report('prefill', from, total, true);
    while (pos < total) {
      throwIfAborted(signal);
      this.reporter.rethrow();
      const n = Math.min(call, total - pos);
      await session.evaluate(stream.slice(pos, pos + n), { logits: 'none', signal });
      pos += n;
      this.reporter.report('prefill', pos, total);
      this.reporter.rethrow();
      if (pos < total && (pos - saved >= this.checkpointTokens || performance.now() - savedAt >= this.checkpointMs)) {
        await session.save(nativeMemoryDir(staging));
        saved = pos;
        savedAt = performance.now();
        this.checkpoints++;
        this.o.onCheckpoint?.(pos);
      }
    }
    return saved;
  }

  /** Renames the staging folder into place, replacing an old or damaged memory there. */
  private async commit(folders: MemoryFolders): Promise<void> {
    throwIfAborted(this.o.signal);
    try {
      if (await exists(folders.dir)) {
        const old = `${folders.dir}.old`;
        await nodeAtomicFs.rm(old);
        await nodeAtomicFs.rename(folders.dir, old);
        await nodeAtomicFs.rm(old);
      }
    } catch (err) {
      throw fsError(`cannot replace ${folders.dir}`, err);
    }
    if (!(await commitDir(folders.staging, folders.dir))) {
      throw new EngineError('IO_ERROR', `cannot move ${folders.staging} to ${folders.dir}: the target appeared meanwhile`);
    }
  }
}
