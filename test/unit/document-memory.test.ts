/**
 * DocumentMemory over the fake model: open checks (not ingested, other model / prompt / text),
 * ask feeds the question suffix to a fork (the opened memory stays as it was), aggregates the
 * answer's retrieval into passages with their sources, validates, and dispose aborts a running ask.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestJob, type IngestResult } from '../../engine/library/IngestJob.js';
import { LibraryService } from '../../engine/library/LibraryService.js';
import type { MemoryModel } from '../../engine/library/memoryModel.js';
import { DocumentMemory } from '../../engine/session/DocumentMemory.js';
import type { TokenEvent } from '../../engine/session/types.js';
import { fakeMemoryModel } from '../helpers/fakeMemoryModel.js';
import { fakeExtractor, makeTempDir, removeTempDir } from '../helpers/libraryFakes.js';

const TEXT = Array.from({ length: 40 }, (_, i) => `line_${i}_of_the_document`).join('\n') + '\n';
const SETTINGS = { nLocal: 64, blockSize: 16, topk: 4, reprTopk: 2, chunk: 16, cache: 4 };

let root: string;
let library: LibraryService;
let model: MemoryModel;
let ingested: IngestResult;
beforeAll(async () => {
  root = await makeTempDir('infllm-docmem-');
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'doc.txt'), TEXT);
  library = await LibraryService.open({ root: join(root, 'lib'), extract: fakeExtractor().extract });
  model = fakeMemoryModel().model;
  ingested = await IngestJob.run({ library, model, source: { path: join(root, 'src', 'doc.txt') }, infllm: SETTINGS });
});
afterAll(() => removeTempDir(root));

const open = (extra: Partial<Parameters<typeof DocumentMemory.open>[0]> = {}) =>
  DocumentMemory.open({ library, model, documentId: ingested.entry.id, infllm: SETTINGS, ...extra });

describe('DocumentMemory', () => {
  it('answers from a fork and returns the most retrieved blocks with their sources', async () => {
    const memory = await open();
    expect(memory.tokenMap.streamLength).toBe(ingested.streamTokens);
    const events: TokenEvent[] = [];
    const r = await memory.ask('What?', { maxTokens: 6, passages: 3, onToken: (e) => events.push(e) });
    expect(r.answer.ids).toEqual([3, 4, 5, 6, 7, 3]);
    expect(r.questionTokens).toBe(model.tokenizer.encode('\n\nQuestion: What?\nAnswer:', { addSpecial: false }).length);
    // the test's own tally of the events' retrieval
    const counts = new Map<number, number>();
    for (const e of events) for (const rec of e.retrieval ?? []) for (const b of rec.blocks) counts.set(b.id, (counts.get(b.id) ?? 0) + 1);
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    expect(r.passages.map((p) => p.count)).toEqual(ranked.slice(0, 3).map(([, c]) => c));
    for (const p of r.passages) {
      expect(counts.get(p.block)).toBe(p.count);
      expect(p.tokenRange.start).toBe(ingested.layout.settings.nInit + p.block * 16);
      expect(p.text).toBe(p.charRange ? TEXT.slice(p.charRange.start, p.charRange.end) : '');
      expect(p.location.label).toMatch(/^lines? \d+/);
    }
    // the opened memory is untouched: the same question gives the same answer and passages
    const again = await memory.ask('What?', { maxTokens: 6, passages: 3 });
    expect(again.answer.ids).toEqual(r.answer.ids);
    expect(again.passages).toEqual(r.passages);
    await memory.dispose();
    await expect(memory.ask('What?')).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('refuses what it cannot answer from', async () => {
    await expect(open({ infllm: { ...SETTINGS, blockSize: 8 } })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' }); // not ingested so
    const other = fakeMemoryModel({ fingerprint: 'cd'.repeat(32) }).model;
    await expect(open({ model: other, memoryDir: ingested.memoryDir })).rejects.toMatchObject({ code: 'MEMORY_MISMATCH' });
    await expect(open({ prompt: { system: 'Other.' }, memoryDir: ingested.memoryDir })).rejects.toMatchObject({ code: 'MEMORY_MISMATCH' });
    const memory = await open();
    await expect(memory.ask('  ')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(memory.ask('q', { passages: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await memory.dispose();
  });

  it('aborts a running ask on dispose, and stops on a signal', async () => {
    const memory = await open();
    const running = memory.ask('Long?', { maxTokens: 1000 });
    await new Promise((r) => setTimeout(r, 5));
    await memory.dispose();
    await expect(running).rejects.toMatchObject({ code: 'DISPOSED' });
    const m2 = await open();
    const controller = new AbortController();
    const r = await m2.ask('Stop?', { maxTokens: 1000, signal: controller.signal, stopOnAbort: true, onToken: (e) => e.index === 2 && controller.abort() });
    expect(r.answer.stopReason).toBe('abort');
    expect(r.answer.ids).toHaveLength(3);
    await m2.dispose();
  });
});
