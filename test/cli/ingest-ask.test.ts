/**
 * `infllm ingest` and `infllm ask` through the built binary (node bin/infllm.js, needs
 * `npm run build:ts`) on stories260K with a temp --library: ingest prints the memory folder with
 * progress on stderr, a second ingest reuses it, ask answers (text and --json) with the same ids
 * as DocumentMemory in this process, ask ingests a new document first, Ctrl-C cancels an ingest
 * cleanly (exit 130) and the rerun finishes, and bad flags exit 1 with one line.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../engine/binding/loadBinding.js';
import { extract } from '../../engine/ingest/extract.js';
import { LibraryService } from '../../engine/library/LibraryService.js';
import { Model } from '../../engine/model/Model.js';
import { DocumentMemory } from '../../engine/session/DocumentMemory.js';
import { runCli, type CliRun } from '../helpers/gguf.js';
import { makeTempDir, removeTempDir } from '../helpers/libraryFakes.js';
import { sharedPath } from '../helpers/shared.js';
import { storyText } from '../helpers/storyText.js';

const bin = join(packageRoot(), 'bin', 'infllm.js');
const model = sharedPath('models', 'stories260K.gguf');
const SPEC = 'n_local=64,block=16,topk=4,repr=2,chunk=16,cache=4';
const SETTINGS = { nLocal: 64, blockSize: 16, topk: 4, reprTopk: 2, chunk: 16, cache: 4 };

const infllm = (args: string[]): CliRun => runCli(args, { timeoutMs: 300_000 });

let dir: string;
let library: string;
let doc: string;
beforeAll(async () => {
  if (!existsSync(join(packageRoot(), 'dist', 'engine', 'cli', 'main.js'))) throw new Error('run "npm run build:ts" first');
  dir = await makeTempDir('infllm-cli-ingest-');
  library = join(dir, 'library');
  doc = join(dir, 'story.txt');
  writeFileSync(doc, storyText(30));
});
afterAll(() => removeTempDir(dir));

describe('infllm ingest / ask', () => {
  it('ingests with progress, reuses the memory, and answers like DocumentMemory', async () => {
    const r = infllm(['ingest', model, doc, '--library', library, '--infllm', SPEC, '--threads', '1']);
    expect(r.status, r.stderr).toBe(0);
    const memoryDir = r.stdout.trim();
    expect(existsSync(join(memoryDir, 'layout.json'))).toBe(true);
    expect(existsSync(join(memoryDir, 'memory', 'manifest.json'))).toBe(true);
    const lines = r.stderr.trim().split('\n');
    for (const l of lines) expect(l).toMatch(/^(extract|tokenize|prefill|save) +\d+\.\d%  \d+\/\d+/);
    expect(lines.some((l) => /^prefill +100\.0%  (\d+)\/\1 tokens/.test(l))).toBe(true);

    const again = infllm(['ingest', model, doc, '--library', library, '--infllm', SPEC]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(memoryDir);
    expect(again.stderr).toContain('already ingested');
    expect(again.stderr).not.toMatch(/^prefill/m);

    const json = infllm(['ask', model, doc, 'Who went to the park?', '--library', library, '--infllm', SPEC, '-n', '20', '--json']);
    expect(json.status, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(Object.keys(out)).toEqual(['document', 'memory', 'question', 'ids', 'text', 'stop_reason', 'question_tokens', 'timings', 'passages']);
    expect(out.memory).toBe(memoryDir);
    expect(out.passages.length).toBeGreaterThan(0);
    for (const p of out.passages) {
      expect(Object.keys(p)).toEqual(['block', 'count', 'mean_score', 'layers', 'token_range', 'parts', 'char_range', 'location', 'text']);
      if (p.parts.document > 0) expect(p.location.label).toMatch(/^lines? \d+/);
    }
    // the same question through the engine API in this process
    const lib = await LibraryService.open({ root: library, extract });
    const m = await Model.load(model, { threads: 1 });
    try {
      const memory = await DocumentMemory.open({ library: lib, model: m, documentId: out.document.id, infllm: SETTINGS });
      const r2 = await memory.ask('Who went to the park?', { maxTokens: 20 });
      await memory.dispose();
      expect(out.ids).toEqual(r2.answer.ids);
      expect(out.passages.map((p: { block: number }) => p.block)).toEqual(r2.passages.map((p) => p.block));
    } finally {
      await m.dispose();
    }

    const text = infllm(['ask', model, doc, 'Who went to the park?', '--library', library, '--infllm', SPEC, '-n', '20']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout.startsWith(out.text + '\n')).toBe(true);
    expect(text.stdout).toContain('Most retrieved passages:');
    expect(text.stdout).toContain(out.passages[0].location.label);
  });

  it('ask ingests a new document first', () => {
    const other = join(dir, 'other.txt');
    writeFileSync(other, storyText(12));
    const r = infllm(['ask', model, other, 'Who is sad?', '--library', library, '--infllm', SPEC, '-n', '8', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^prefill +100\.0%/m);
    expect(JSON.parse(r.stdout).ids.length).toBeGreaterThan(0);
  });

  it('Ctrl-C cancels an ingest (exit 130) and the rerun finishes', async () => {
    const big = join(dir, 'big.txt');
    writeFileSync(big, storyText(300));
    const args = [bin, 'ingest', model, big, '--library', library, '--infllm', SPEC, '--threads', '1'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let sent = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && /^prefill/m.test(stderr)) sent = child.kill('SIGINT'); // once: a second SIGINT would kill it outright
    });
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain('cancelled; run the same command again to resume');
    expect(stdout).toBe('');
    const r = infllm(args.slice(1));
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(r.stdout.trim(), 'layout.json'))).toBe(true);
  });

  it('exits 1 with one line for bad arguments', () => {
    for (const args of [
      ['ask', model, doc, '--library', library],
      ['ingest', model],
      ['ingest', model, doc, '--library', library, '--infllm', 'bogus=1'],
      ['ingest', model, doc, '--library', library, '--storage', 'tape'],
      ['ingest', model, join(dir, 'missing.txt'), '--library', library],
      ['ask', model, doc, '   ', '--library', library],
    ]) {
      const r = infllm(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^infllm (ask|ingest): /);
    }
  });
});
