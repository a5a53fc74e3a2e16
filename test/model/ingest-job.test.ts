/**
 * The ingest job and ask on stories260K with small InfLLM settings (16-token blocks, 64-token
 * window, 16-token chunks: about 90 blocks per layer for the ~1,500-token story): progress,
 * cancel mid-prefill then resume (RAM and disk tiers) giving a memory with the same content bit
 * for bit (blocks per layer, every other file) and the same answers as an uninterrupted run on the
 * other tier,
 * TOO_LARGE with the library left intact, and ask against driving a session by hand.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../../engine/ingest/extract.js';
import { IngestJob, type IngestJobOptions } from '../../engine/library/IngestJob.js';
import type { IngestProgress } from '../../engine/library/ingestProgress.js';
import { LibraryService } from '../../engine/library/LibraryService.js';
import { readLayout } from '../../engine/library/memoryLayout.js';
import { Model } from '../../engine/model/Model.js';
import { DocumentMemory } from '../../engine/session/DocumentMemory.js';
import { documentPrompt } from '../../engine/session/documentPrompt.js';
import type { TokenEvent } from '../../engine/session/types.js';
import { makeTempDir, removeTempDir } from '../helpers/libraryFakes.js';
import { memoryContent } from '../helpers/savedMemory.js';
import { sharedPath } from '../helpers/shared.js';
import { storyText } from '../helpers/storyText.js';

const SETTINGS = { nLocal: 64, blockSize: 16, topk: 4, reprTopk: 2, chunk: 16, cache: 4 };
const TEXT = storyText(30);
const QUESTION = 'Who went to the park?';

let root: string;
let model: Model;
let source: string;
beforeAll(async () => {
  root = await makeTempDir('infllm-ingest-model-');
  source = join(root, 'story.txt');
  writeFileSync(source, TEXT);
  // one compute thread: results do not depend on it, and the shared 2-core machine is busy
  model = await Model.load(sharedPath('models', 'stories260K.gguf'), { threads: 1 });
});
afterAll(async () => {
  await model.dispose();
  await removeTempDir(root);
});

let serial = 0;
async function library(): Promise<LibraryService> {
  return LibraryService.open({ root: join(root, `lib-${++serial}`), extract });
}

const options = (lib: LibraryService, extra: Partial<IngestJobOptions> = {}): IngestJobOptions => ({
  library: lib,
  model,
  source: { path: source },
  infllm: SETTINGS,
  callTokens: 64,
  progressIntervalMs: 0,
  ...extra,
});

async function answer(lib: LibraryService, id: string, memoryDir: string) {
  const memory = await DocumentMemory.open({ library: lib, model, documentId: id, infllm: SETTINGS, memoryDir });
  try {
    return await memory.ask(QUESTION, { maxTokens: 24, passages: 5 });
  } finally {
    await memory.dispose();
  }
}

describe('IngestJob on stories260K', () => {
  it.each(['ram', 'disk'] as const)('cancel mid-prefill, then resume (%s tier): same memory content and answers as one uninterrupted run on the other tier', async (storage) => {
    const lib = await library();
    const events: IngestProgress[] = [];
    const other = storage === 'ram' ? 'disk' : 'ram';
    const whole = await IngestJob.run(options(lib, { storage: other, memoryDir: join(root, `whole-${other}`), onProgress: (e) => events.push(e) }));
    const prefill = events.filter((e) => e.phase === 'prefill');
    for (let i = 1; i < prefill.length; i++) expect(prefill[i].done).toBeGreaterThan(prefill[i - 1].done);
    expect(prefill.at(-1)).toMatchObject({ done: whole.streamTokens, total: whole.streamTokens });
    expect(whole.streamTokens).toBeGreaterThan(1200);

    const controller = new AbortController();
    const saved: number[] = [];
    const cancelled = IngestJob.run(
      options(lib, {
        storage,
        checkpointTokens: 160,
        signal: controller.signal,
        onCheckpoint: (n) => saved.push(n),
        onProgress: (p) => p.phase === 'prefill' && p.done >= 700 && controller.abort(new Error('user cancel')),
      }),
    );
    await expect(cancelled).rejects.toThrow('user cancel');
    expect(saved).toEqual([192, 384, 576]); // every 160 tokens, at the end of a 64-token call; cancelled at 704
    const id = whole.entry.id;
    expect(await lib.listMemories(id)).toEqual([]); // nothing committed in the library
    const resumedEvents: IngestProgress[] = [];
    const resumed = await IngestJob.run(options(lib, { storage, callTokens: 128, source: { id }, onProgress: (e) => resumedEvents.push(e) }));
    expect(resumed.resumedFrom).toBe(saved.at(-1));
    expect(resumedEvents.find((e) => e.phase === 'prefill')?.done).toBe(saved.at(-1)); // it did not start over
    expect(memoryContent(join(resumed.memoryDir, 'memory'))).toEqual(memoryContent(join(whole.memoryDir, 'memory')));
    const [a, b] = [await answer(lib, id, whole.memoryDir), await answer(lib, id, resumed.memoryDir)];
    expect(b.answer.ids).toEqual(a.answer.ids);
    expect(b.passages).toEqual(a.passages);
    expect(readdirSync(join(resumed.memoryDir, '..')).filter((n) => !/^[0-9a-f]+-[0-9a-f]+$/.test(n))).toEqual([]); // no staging or lock left
  });

  it('refuses a document over the token limit with TOO_LARGE and leaves the library intact', async () => {
    const lib = await library();
    const n = documentPrompt(model.tokenizer).encodeDocument(TEXT).ids.length;
    await expect(IngestJob.run(options(lib, { maxTokens: n - 1 }))).rejects.toMatchObject({ code: 'TOO_LARGE' });
    const listing = await lib.list();
    expect(listing.broken).toEqual([]);
    expect(listing.documents).toHaveLength(1);
    expect(await lib.readText(listing.documents[0].id)).toBe(TEXT);
    expect(existsSync(join(lib.documentDir(listing.documents[0].id), 'memories'))).toBe(false);
  });

  it('ask: the answer equals driving a session by hand; passages are the blocks the answer retrieved most', async () => {
    const lib = await library();
    const r = await IngestJob.run(options(lib));
    const { layout, tokens } = await readLayout(r.memoryDir);
    // by hand: a fresh session fed prefix + document, then the question suffix, greedy, traced
    const s = model.createSession({ attention: 'infllm', infllm: layout.settings });
    const prompt = documentPrompt(model.tokenizer);
    await s.evaluate([...prompt.prefix, ...tokens.ids], { logits: 'none' });
    const events: TokenEvent[] = [];
    const byHand = await s.generate(prompt.suffix(QUESTION), { maxTokens: 24, trace: true, onToken: (e) => events.push(e) });
    await s.dispose();
    const asked = await answer(lib, r.entry.id, r.memoryDir);
    expect(asked.answer.ids).toEqual(byHand.ids);
    // the test's own tally: selections per block over the generated tokens and layers
    const tally = new Map<number, number>();
    for (const e of events) for (const rec of e.retrieval ?? []) for (const b of rec.blocks) tally.set(b.id, (tally.get(b.id) ?? 0) + 1);
    expect(asked.passages.length).toBe(Math.min(5, tally.size));
    const top = Math.max(...tally.values());
    expect(asked.passages[0].count).toBe(top);
    for (let i = 0; i < asked.passages.length; i++) {
      const p = asked.passages[i];
      expect(p.count).toBe(tally.get(p.block));
      if (i > 0) expect(p.count).toBeLessThanOrEqual(asked.passages[i - 1].count);
      expect(p.tokenRange.start).toBe(layout.settings.nInit + 16 * p.block);
      if (p.parts.document > 0) {
        expect(p.text).toBe(TEXT.slice(p.charRange!.start, p.charRange!.end));
        expect(p.location.label).toMatch(/^lines? \d+/);
      }
    }
  });
});

describe('ingest of other inputs', () => {
  it('a folder (codebase) ingests and answers with file:line passages', async () => {
    const lib = await library();
    const repo = join(root, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    writeFileSync(join(repo, 'src', 'story.md'), storyText(8));
    writeFileSync(join(repo, 'src', 'more.txt'), storyText(6).toUpperCase());
    const r = await IngestJob.run(options(lib, { source: { path: repo } }));
    expect(r.entry.format).toBe('codebase');
    const a = await answer(lib, r.entry.id, r.memoryDir);
    expect(a.passages.length).toBeGreaterThan(0);
    for (const p of a.passages) if (p.parts.document > 0 && p.location.kind !== 'none') expect(p.location.label).toMatch(/^src\/(story\.md|more\.txt):\d+/);
  });
});
