/**
 * IngestJob over a real library and a fake model (test/helpers/fakeMemoryModel.ts): phases and
 * progress, chunk-aligned calls, checkpoints, resume after cancel and after a failing call (the
 * final state equals an uninterrupted run's, chunk starts included), TOO_LARGE, reuse, BUSY,
 * refusal to overwrite a foreign folder, damaged checkpoints and staging, and the library left
 * intact by every failure.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestJob, type IngestJobOptions } from '../../engine/library/IngestJob.js';
import type { IngestProgress } from '../../engine/library/ingestProgress.js';
import { LibraryService } from '../../engine/library/LibraryService.js';
import { readLayout } from '../../engine/library/memoryLayout.js';
import { fakeMemoryModel, readFakeState } from '../helpers/fakeMemoryModel.js';
import { fakeExtractor, makeTempDir, removeTempDir } from '../helpers/libraryFakes.js';

let root: string;
beforeAll(async () => {
  root = await makeTempDir('infllm-job-');
});
afterAll(() => removeTempDir(root));

// 1,300 ASCII characters without spaces: the byte vocabulary gives one token per character plus
// three for the SPM leading space ("\u2581", 3 UTF-8 bytes): 1,303 document tokens.
const TEXT = Array.from({ length: 26 }, (_, i) => `Line_${String(i).padStart(2, '0')}_of_a_story_about_${String.fromCharCode(97 + i)}`.padEnd(49, '.')).join('\n') + '\n';
const SETTINGS = { nLocal: 64, blockSize: 16, topk: 4, reprTopk: 2, chunk: 16, cache: 4 };

let serial = 0;
/** A fresh library with the story file in it (not yet added). */
async function setup(text = TEXT) {
  const dir = join(root, `lib-${++serial}`);
  mkdirSync(dir);
  const source = join(dir, 'story.txt');
  writeFileSync(source, text);
  const library = await LibraryService.open({ root: join(dir, 'library'), extract: fakeExtractor().extract });
  return { dir, source, library };
}

function jobOptions(base: { library: LibraryService; source: string }, extra: Partial<IngestJobOptions> = {}): IngestJobOptions {
  const { model } = fakeMemoryModel();
  return { library: base.library, model, source: { path: base.source }, infllm: SETTINGS, callTokens: 48, checkpointTokens: 200, progressIntervalMs: 0, ...extra };
}

/** Progress events must not go back within a phase, and phases come in order. */
function checkProgress(events: IngestProgress[]): void {
  const order = ['extract', 'tokenize', 'prefill', 'save'];
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1], events[i]];
    expect(order.indexOf(b.phase)).toBeGreaterThanOrEqual(order.indexOf(a.phase));
    if (a.phase === b.phase) expect(b.done).toBeGreaterThan(a.done);
  }
  for (const e of events) expect(e.done).toBeLessThanOrEqual(e.total);
}

describe('IngestJob', () => {
  it('extracts, tokenizes, prefills in chunk-aligned calls with checkpoints, and commits the memory', async () => {
    const lib = await setup();
    const { model, log } = fakeMemoryModel();
    const events: IngestProgress[] = [];
    const checkpoints: number[] = [];
    const r = await IngestJob.run({ ...jobOptions(lib), model, onProgress: (p) => events.push(p), onCheckpoint: (n) => checkpoints.push(n) });
    checkProgress(events);
    expect([...new Set(events.map((e) => e.phase))]).toEqual(['extract', 'tokenize', 'prefill', 'save']);
    const prefix = model.tokenizer.encode('Document:\n'); // plain layout: BOS + header
    const doc = model.tokenizer.encode(TEXT, { addSpecial: false, parseSpecial: false });
    const total = prefix.length + doc.length;
    const prefill = events.filter((e) => e.phase === 'prefill');
    expect(prefill[0].done).toBe(0);
    expect(prefill.at(-1)).toMatchObject({ done: total, total });
    expect(r).toMatchObject({ status: 'ingested', resumedFrom: 0, streamTokens: total });
    expect(r.layout.settings.nInit).toBe(prefix.length); // n_init defaults to the prompt prefix
    // every call but the last is a whole number of chunks, at most callTokens (48) long
    expect(log.calls.slice(0, -1).every((c) => c.n === 48)).toBe(true);
    expect(log.calls.reduce((n, c) => n + c.n, 0)).toBe(total);
    expect(checkpoints.length).toBeGreaterThanOrEqual(5);
    for (const c of checkpoints) expect(c % 16).toBe(0);
    const state = await readFakeState(join(r.memoryDir, 'memory'));
    expect(state.tokens).toEqual([...prefix, ...doc]);
    const { tokens } = await readLayout(r.memoryDir);
    expect([...tokens.ids]).toEqual(doc);
    expect(await lib.library.listMemories(r.entry.id)).toEqual([expect.objectContaining({ dir: r.memoryDir })]);
    expect(readdirSync(dirname(r.memoryDir))).toEqual([basename(r.memoryDir)]); // no staging folder, no lock file left
  });

  it('tokenizes long documents in a worker thread with the same result, and a cancel stops it', async () => {
    const lib = await setup();
    const inline = await IngestJob.run({ ...jobOptions(lib), memoryDir: join(lib.dir, 'inline') });
    const worker = await IngestJob.run({ ...jobOptions(lib), memoryDir: join(lib.dir, 'worker'), tokenizeInWorkerFrom: 1 });
    expect(worker.layout.tokensSha256).toBe(inline.layout.tokensSha256);
    expect((await readFakeState(join(worker.memoryDir, 'memory'))).tokens).toEqual((await readFakeState(join(inline.memoryDir, 'memory'))).tokens);
    const controller = new AbortController();
    const cancelled = IngestJob.run({
      ...jobOptions(lib),
      memoryDir: join(lib.dir, 'cancelled'),
      tokenizeInWorkerFrom: 1,
      signal: controller.signal,
      onProgress: (p) => p.phase === 'tokenize' && p.done === 0 && controller.abort(new Error('stop while tokenizing')),
    });
    await expect(cancelled).rejects.toThrow('stop while tokenizing');
    expect(existsSync(join(lib.dir, 'cancelled'))).toBe(false);
    expect(() => new IngestJob({ ...jobOptions(lib), tokenizeInWorkerFrom: 0 })).toThrow(/tokenizeInWorkerFrom must be an integer >= 1/);
  });

  it('resumes after a cancel from the last checkpoint and ends in the same state as an uninterrupted run', async () => {
    const lib = await setup();
    const whole = await IngestJob.run({ ...jobOptions(lib), memoryDir: join(lib.dir, 'whole') });
    const expected = await readFakeState(join(whole.memoryDir, 'memory'));
    const controller = new AbortController();
    const saved: number[] = [];
    const first = IngestJob.run({
      ...jobOptions(lib),
      callTokens: 50, // not a chunk multiple: the job must round calls (and so checkpoints) to 48
      signal: controller.signal,
      onCheckpoint: (n) => saved.push(n),
      onProgress: (p) => p.phase === 'prefill' && p.done >= 700 && controller.abort(new Error('stop')),
    });
    await expect(first).rejects.toThrow('stop');
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.at(-1)).toBeLessThan(expected.tokens.length);
    // what a run killed mid-save would leave in the staging folder
    const memories = join(lib.library.documentDir(whole.entry.id), 'memories');
    const staging = join(memories, readdirSync(memories).find((n) => n.endsWith('.partial')) as string);
    mkdirSync(join(staging, '.memory.saving-0123456789abcdef'));
    writeFileSync(join(staging, '.layout.json.0123456789ab.tmp'), 'half');
    const events: IngestProgress[] = [];
    const { model, log } = fakeMemoryModel();
    const again = await IngestJob.run({ ...jobOptions(lib), model, callTokens: 80, onProgress: (p) => events.push(p) });
    expect(again.resumedFrom).toBe(saved.at(-1));
    expect(events.find((e) => e.phase === 'prefill')?.done).toBe(saved.at(-1)); // did not start over
    expect(log.opened).toBe(1);
    expect(log.calls[0].start).toBe(saved.at(-1));
    expect(await readFakeState(join(again.memoryDir, 'memory'))).toEqual(expected);
    expect(readdirSync(again.memoryDir).sort()).toEqual(['layout.json', 'memory', 'tokens.bin']);
  });

  it('resumes after a failing model call; the library entry stays intact', async () => {
    const lib = await setup();
    const { model, log } = fakeMemoryModel();
    log.beforeEval = (start) => {
      if (start >= 500) throw new Error('simulated device failure');
    };
    await expect(IngestJob.run({ ...jobOptions(lib), model })).rejects.toThrow('simulated device failure');
    const listing = await lib.library.list();
    expect(listing.broken).toEqual([]);
    expect(listing.documents).toHaveLength(1);
    const id = listing.documents[0].id;
    expect(await lib.library.readText(id)).toBe(TEXT);
    expect(await lib.library.listMemories(id)).toEqual([]);
    log.beforeEval = undefined;
    const r = await IngestJob.run({ ...jobOptions(lib), model, source: { id } });
    expect(r.resumedFrom).toBeGreaterThan(0);
    expect(r.resumedFrom).toBeLessThanOrEqual(500);
    expect((await readFakeState(join(r.memoryDir, 'memory'))).tokens).toHaveLength(r.streamTokens);
  });

  it('refuses a document over maxTokens with TOO_LARGE and creates no memory', async () => {
    const lib = await setup();
    const err = await IngestJob.run({ ...jobOptions(lib), maxTokens: 1000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/1,303 tokens; the limit is 1,000/) });
    const [entry] = (await lib.library.list()).documents;
    expect(await lib.library.readText(entry.id)).toBe(TEXT);
    expect(existsSync(join(lib.library.documentDir(entry.id), 'memories'))).toBe(false);
    // exactly at the limit it is accepted
    await expect(IngestJob.run({ ...jobOptions(lib), maxTokens: 1303 })).resolves.toMatchObject({ status: 'ingested' });
  });

  it('reuses a finished memory, makes another for other settings, and rebuilds with force', async () => {
    const lib = await setup();
    const a = await IngestJob.run(jobOptions(lib));
    const { model, log } = fakeMemoryModel();
    const b = await IngestJob.run({ ...jobOptions(lib), model });
    expect(b).toMatchObject({ status: 'reused', memoryDir: a.memoryDir });
    expect(log.calls).toEqual([]);
    const c = await IngestJob.run({ ...jobOptions(lib), infllm: { ...SETTINGS, blockSize: 8 } });
    expect(c.memoryDir).not.toBe(a.memoryDir);
    expect((await lib.library.listMemories(a.entry.id)).map((m) => m.dir).sort()).toEqual([a.memoryDir, c.memoryDir].sort());
    const d = await IngestJob.run({ ...jobOptions(lib), force: true });
    expect(d).toMatchObject({ status: 'ingested', memoryDir: a.memoryDir, resumedFrom: 0 });
    // an engine with another saved-memory format would refuse a's memory: it builds its own
    const newer = fakeMemoryModel({ memoryFormat: 3 });
    const e = await IngestJob.run({ ...jobOptions(lib), model: newer.model });
    expect(e).toMatchObject({ status: 'ingested', resumedFrom: 0 });
    expect(e.memoryDir).not.toBe(a.memoryDir);
    expect(newer.log.calls.length).toBeGreaterThan(0);
  });

  it('lets one job at a time work on a memory (BUSY)', async () => {
    const lib = await setup();
    await lib.library.add(lib.source);
    const results = await Promise.allSettled([IngestJob.run(jobOptions(lib)), IngestJob.run(jobOptions(lib))]);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toMatchObject({ code: 'BUSY' });
  });

  it('never replaces a folder that is not a document memory', async () => {
    const lib = await setup();
    const mine = join(lib.dir, 'my-files');
    mkdirSync(mine);
    writeFileSync(join(mine, 'thesis.tex'), 'precious');
    await expect(IngestJob.run({ ...jobOptions(lib), memoryDir: mine })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(readdirSync(mine)).toEqual(['thesis.tex']);
  });

  it('starts over when the checkpoint is damaged', async () => {
    const lib = await setup();
    const controller = new AbortController();
    const first = IngestJob.run({ ...jobOptions(lib), signal: controller.signal, onCheckpoint: () => controller.abort(new Error('stop')) });
    await expect(first).rejects.toThrow('stop');
    const staging = readdirSync(join(lib.library.documentDir((await lib.library.list()).documents[0].id), 'memories')).find((n) => n.endsWith('.partial'));
    expect(staging).toBeDefined();
    const memories = join(lib.library.documentDir((await lib.library.list()).documents[0].id), 'memories');
    writeFileSync(join(memories, staging as string, 'memory', 'state.json'), '{ not json');
    const r = await IngestJob.run(jobOptions(lib));
    expect(r.resumedFrom).toBe(0);
    expect((await readFakeState(join(r.memoryDir, 'memory'))).tokens).toHaveLength(r.streamTokens);
  });

  it('stops with the error thrown by onProgress, and validates its options', async () => {
    const lib = await setup();
    const boom = new Error('progress callback failed');
    await expect(IngestJob.run({ ...jobOptions(lib), onProgress: (p) => { if (p.phase === 'prefill' && p.done > 100) throw boom; } })).rejects.toBe(boom);
    expect(() => new IngestJob({ ...jobOptions(lib), checkpointTokens: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new IngestJob({ ...jobOptions(lib), storage: 'tape' as 'ram' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(IngestJob.run({ ...jobOptions(lib), infllm: { chunk: 100, nLocal: 64 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const aborted = new AbortController();
    aborted.abort(new Error('before start'));
    await expect(IngestJob.run({ ...jobOptions(lib), signal: aborted.signal })).rejects.toThrow('before start');
  });
});
