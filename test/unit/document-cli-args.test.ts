/**
 * The pieces of `infllm ingest` / `infllm ask` that need no model: the default library folder per
 * platform, partial --infllm settings (only the keys given), the progress line, flag checks, and
 * the ingest progress reporter's guarantees (monotonic, first/last always, speed and ETA).
 */
import { describe, expect, it } from 'vitest';
import { documentRequest, formatProgress, partialInfllmSpec } from '../../engine/cli/documentArgs.js';
import { defaultLibraryDir } from '../../engine/library/defaultLibraryDir.js';
import { IngestProgressReporter, type IngestProgress } from '../../engine/library/ingestProgress.js';

describe('defaultLibraryDir', () => {
  it('prefers INFLLM_HOME, then the platform data folder', () => {
    expect(defaultLibraryDir({ INFLLM_HOME: '/data/lib' }, 'linux', '/home/u')).toBe('/data/lib');
    expect(defaultLibraryDir({}, 'linux', '/home/u')).toBe('/home/u/.local/share/infllm-reader');
    expect(defaultLibraryDir({ XDG_DATA_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/infllm-reader');
    expect(defaultLibraryDir({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/u')).toBe('/home/u/.local/share/infllm-reader');
    expect(defaultLibraryDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/infllm-reader');
  });
});

describe('partialInfllmSpec', () => {
  it('keeps only the keys given, validated', () => {
    expect(partialInfllmSpec(undefined)).toEqual({});
    expect(partialInfllmSpec('block=16, topk=4,chunk=16,n_local=64')).toEqual({ blockSize: 16, topk: 4, chunk: 16, nLocal: 64 });
    expect(partialInfllmSpec('n_init=128,compat=1,kv=q8')).toEqual({ nInit: 128, compat: true, kvType: 'q8' });
    expect(() => partialInfllmSpec('chunk=100,n_local=64')).toThrow(/chunk/);
    expect(() => partialInfllmSpec('bogus=1')).toThrow(/unknown key "bogus"/);
  });
});

describe('documentRequest', () => {
  it('reads the common flags and refuses bad values', () => {
    const r = documentRequest({ library: '/lib', infllm: 'block=8', 'max-tokens': '1000', storage: 'disk' }, ['m.gguf', 'book.pdf']);
    expect(r).toMatchObject({ model: 'm.gguf', document: 'book.pdf', library: '/lib', infllm: { blockSize: 8 }, maxTokens: 1000, storage: 'disk' });
    expect(() => documentRequest({ storage: 'tape' }, ['m', 'd'])).toThrow(/--storage/);
    expect(() => documentRequest({ 'max-tokens': '0' }, ['m', 'd'])).toThrow(/--max-tokens must be an integer >= 1/);
    expect(() => documentRequest({ threads: 'two' }, ['m', 'd'])).toThrow(/--threads/);
  });
});

describe('formatProgress', () => {
  it('shows phase, percent, counts, speed and ETA', () => {
    expect(formatProgress({ phase: 'prefill', done: 250, total: 1000, tokensPerSecond: 50, etaSeconds: 15 })).toBe(
      'prefill   25.0%  250/1000 tokens  50 tok/s  ETA 0:15',
    );
    expect(formatProgress({ phase: 'prefill', done: 0, total: 10_000_000, tokensPerSecond: 100, etaSeconds: 100_000 })).toMatch(/ETA 27:46:40$/);
    expect(formatProgress({ phase: 'save', done: 1, total: 1, tokensPerSecond: 0, etaSeconds: null })).toBe('save     100.0%  1/1');
  });
});

describe('IngestProgressReporter', () => {
  it('reports first and last points, throttles between, never goes back, and computes speed and ETA', () => {
    let t = 0;
    const seen: IngestProgress[] = [];
    const r = new IngestProgressReporter((p) => seen.push(p), 100, () => t);
    r.report('tokenize', 0, 10);
    r.report('tokenize', 10, 10);
    r.startRate(200); // resumed at 200 of 1200 tokens
    r.report('prefill', 200, 1200);
    t = 50;
    r.report('prefill', 300, 1200); // within 100 ms of the last event: dropped
    t = 1000;
    r.report('prefill', 700, 1200); // 500 tokens in 1 s → 500 tok/s, 500 left → 1 s
    r.report('prefill', 600, 1200, true); // backwards: dropped even when forced
    t = 1010;
    r.report('prefill', 1200, 1200); // last point: always
    expect(seen.map((e) => [e.phase, e.done])).toEqual([
      ['tokenize', 0],
      ['tokenize', 10],
      ['prefill', 200],
      ['prefill', 700],
      ['prefill', 1200],
    ]);
    expect(seen[3]).toMatchObject({ tokensPerSecond: 500, etaSeconds: 1 });
    expect(seen[2]).toMatchObject({ tokensPerSecond: 0, etaSeconds: null });
  });

  it('keeps an exception of the callback for rethrow and stops calling it', () => {
    const boom = new Error('ui failed');
    let calls = 0;
    const r = new IngestProgressReporter(() => {
      calls++;
      throw boom;
    }, 0);
    r.report('extract', 0, 1);
    r.report('extract', 1, 1);
    expect(calls).toBe(1);
    expect(() => r.rethrow()).toThrow(boom);
  });
});
