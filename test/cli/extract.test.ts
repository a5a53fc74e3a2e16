// Drives the built CLI (`node bin/infllm.js extract …`); needs `npm run build:ts` first (npm test does it).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../engine/binding/loadBinding.js';
import { runCli, type CliRun } from '../helpers/gguf.js';
import { makeTempDir, removeTempDirs } from '../helpers/ingest/tempDir.js';

const root = packageRoot();
let dir = '';

const cli = (...args: string[]): CliRun => runCli(['extract', ...args]);

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'engine', 'cli', 'commands', 'extract.js'))) throw new Error('dist/ lacks the extract command: run "npm run build:ts" first');
  dir = makeTempDir('cli');
  writeFileSync(join(dir, 'notes.md'), '# Notes\r\nfirst line\r\nsecond line');
  writeFileSync(join(dir, 'latin.txt'), Buffer.from('caf\u00e9\n', 'latin1'));
});
afterAll(removeTempDirs);

describe('infllm extract', () => {
  it('prints the text on stdout, nothing on a non-terminal stderr', () => {
    const r = cli(join(dir, 'notes.md'));
    expect(r).toEqual({ status: 0, stdout: '# Notes\nfirst line\nsecond line\n', stderr: '' });
  });

  it('prints one JSON object with --json', () => {
    const r = cli(join(dir, 'notes.md'), '--json');
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith('\n') && r.stdout.indexOf('\n') === r.stdout.length - 1).toBe(true);
    expect(JSON.parse(r.stdout)).toEqual({
      format: 'markdown',
      title: 'Notes',
      text: '# Notes\nfirst line\nsecond line',
      sourceMap: { segments: [{ kind: 'lines', start: 0, end: 30, firstLine: 1 }] },
      warnings: [],
      stats: { bytes: 32, chars: 30, lines: 3 }, // 32 bytes: two CRLFs became LFs
    });
  });

  it('prints warnings on stderr in text mode', () => {
    const r = cli(join(dir, 'latin.txt'));
    expect(r).toEqual({ status: 0, stdout: 'caf\u00e9\n', stderr: 'infllm extract: warning: the file is not valid UTF-8; it was read as Latin-1 (Windows-1252)\n' });
  });

  it('exits 1 with one line for bad input', () => {
    const missing = cli(join(dir, 'missing.pdf'));
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^infllm extract: no such file or folder: .*missing\.pdf \[FILE_NOT_FOUND\]\n$/);

    const tooLong = cli(join(dir, 'notes.md'), '--max-chars', '10');
    expect(tooLong.status).toBe(1);
    expect(tooLong.stderr).toMatch(/^infllm extract: document is too long: 30 characters, over the limit of 10 characters; .* \[TOO_LARGE\]\n$/);

    for (const args of [['--bogus', 'x'], [], ['a', 'b'], [join(dir, 'notes.md'), '--max-chars', 'lots']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr.split('\n'), args.join(' ')).toHaveLength(2); // one line + the final newline
    }
  });
});
