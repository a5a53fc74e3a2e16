/**
 * A real process death mid-ingest: a child process (test/helpers/ingestKillChild.ts) SIGKILLs
 * itself while prefilling, after some checkpoints. The library then opens clean (no broken entry),
 * the next run resumes from the child's last checkpoint instead of starting over (its first
 * prefill event), and the memory it finishes has the same content as an uninterrupted run's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../../engine/ingest/extract.js';
import { IngestJob } from '../../engine/library/IngestJob.js';
import type { IngestProgress } from '../../engine/library/ingestProgress.js';
import { LibraryService } from '../../engine/library/LibraryService.js';
import { Model } from '../../engine/model/Model.js';
import { makeTempDir, removeTempDir } from '../helpers/libraryFakes.js';
import { memoryContent } from '../helpers/savedMemory.js';
import { childScript, runTsChild, type ChildRun } from '../helpers/tsChild.js';
import { sharedPath } from '../helpers/shared.js';
import { storyText } from '../helpers/storyText.js';

const child = childScript('ingestKillChild.ts');
const SETTINGS = { nInit: 4, nLocal: 64, blockSize: 16, topk: 4, reprTopk: 2, chunk: 16, cache: 4 };
const EVERY = 96;

const runChild = (root: string, source: string, killAfter: number): Promise<ChildRun> =>
  runTsChild(child, [root, source, JSON.stringify(SETTINGS), String(EVERY), String(killAfter)], 120_000);

let dir: string;
let model: Model;
beforeAll(async () => {
  dir = await makeTempDir('infllm-ingest-kill-');
  model = await Model.load(sharedPath('models', 'stories260K.gguf'), { threads: 1 });
});
afterAll(async () => {
  await model.dispose();
  await removeTempDir(dir);
});

describe('ingest survives SIGKILL', () => {
  it('resumes from the last checkpoint of the killed process and finishes the same memory', async () => {
    const source = join(dir, 'story.txt');
    writeFileSync(source, storyText(30));
    const root = join(dir, 'library');
    const killed = await runChild(root, source, 3);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const checkpoints = killed.stdout.trim().split('\n').map(Number);
    expect(checkpoints).toHaveLength(3);
    expect(killed.stdout).not.toContain('finished');

    const lib = await LibraryService.open({ root, extract });
    const listing = await lib.list();
    expect(listing.broken).toEqual([]);
    expect(listing.documents).toHaveLength(1);
    const id = listing.documents[0].id;
    expect(await lib.listMemories(id)).toEqual([]);
    const events: IngestProgress[] = [];
    const resumed = await IngestJob.run({ library: lib, model, source: { id }, infllm: SETTINGS, progressIntervalMs: 0, onProgress: (e) => events.push(e) });
    const first = events.find((e) => e.phase === 'prefill') as IngestProgress;
    expect(first.done).toBe(checkpoints.at(-1)); // not 0: it did not start over
    expect(resumed.resumedFrom).toBe(checkpoints.at(-1));

    const whole = await IngestJob.run({ library: lib, model, source: { id }, infllm: SETTINGS, memoryDir: join(dir, 'whole') });
    expect(whole.resumedFrom).toBe(0);
    expect(memoryContent(join(resumed.memoryDir, 'memory'))).toEqual(memoryContent(join(whole.memoryDir, 'memory')));
  });
});
