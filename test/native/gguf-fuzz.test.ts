// Seeded random corruption of the tiny models: byte flips (1-8 bytes, mostly in the header region,
// i.e. before the data section) and truncations. Every case must either parse into a
// self-consistent result or throw an EngineError with a GGUF code: no crash, no hang (the
// parser is linear in the file size; vitest's timeout catches a hang), bounded memory.
// INFLLM_FUZZ_SEED and INFLLM_FUZZ_CASES override the seed and the case count (>= 1000 in CI).
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GgufFileInfo } from '../../engine/binding/GgufBinding.js';
import { EngineError } from '../../engine/errors.js';
import { readGgufSync } from '../../engine/model/gguf.js';
import { makeRng } from '../helpers/ggmlReference.js';
import { makeTempDir } from '../helpers/gguf.js';
import { sharedPath } from '../helpers/shared.js';

const SEED = Number(process.env.INFLLM_FUZZ_SEED ?? 0x5eed1234) >>> 0;
const CASES = Math.max(1000, Number(process.env.INFLLM_FUZZ_CASES ?? 1000));
const MiB = 1024 * 1024;
const WARMUP = 200;

/** Codes a corrupt GGUF may produce. OUT_OF_MEMORY or INTERNAL would mean an unchecked count or a bug. */
const ALLOWED = new Set([
  'GGUF_BAD_MAGIC', 'GGUF_UNSUPPORTED_VERSION', 'GGUF_TRUNCATED', 'GGUF_CORRUPT', 'GGUF_MISALIGNED', 'UNSUPPORTED_TENSOR_TYPE',
]);

interface Model {
  name: string;
  bytes: Buffer;
  dataOffset: number;
}

/**
 * Writes a corrupted copy of the model into `work` (reused across cases, so that the test itself
 * allocates almost nothing per case); returns the corrupted length and a description.
 */
function mutate(m: Model, rand: () => number, work: Buffer): { length: number; what: string } {
  const int = (n: number): number => Math.floor(rand() * n);
  m.bytes.copy(work);
  // Positions: 85% in the header region (a third of those in the first 64 bytes: magic,
  // version, counts, first key), 15% anywhere in the file.
  const position = (): number => {
    const r = rand();
    if (r < 0.3) return int(64);
    if (r < 0.85) return int(m.dataOffset);
    return int(m.bytes.length);
  };
  if (rand() < 0.25) {
    const length = rand() < 0.7 ? 1 + int(m.dataOffset + 64) : 1 + int(m.bytes.length - 1);
    return { length, what: `${m.name} truncated to ${length}` };
  }
  const flips: string[] = [];
  const n = 1 + int(8);
  for (let i = 0; i < n; i++) {
    const at = position();
    const special = [0x00, 0xff, 0x7f, 0x80];
    const value = rand() < 0.3 ? special[int(4)] : work[at] ^ (1 + int(255));
    work[at] = value;
    flips.push(`${at}=${value.toString(16)}`);
  }
  return { length: m.bytes.length, what: `${m.name} bytes ${flips.join(' ')}` };
}

/** Invariants of a successful parse (the reader promised them). */
function checkParsed(f: GgufFileInfo, size: number): void {
  expect(f.fileSize).toBe(size);
  expect([2, 3]).toContain(f.version);
  expect(f.alignment & (f.alignment - 1)).toBe(0);
  expect(f.dataOffset % f.alignment).toBe(0);
  for (const t of f.tensors) {
    expect(t.offset).toBeGreaterThanOrEqual(f.dataOffset);
    expect(t.offset + t.nBytes).toBeLessThanOrEqual(size);
    expect(t.dims.length).toBeGreaterThanOrEqual(1);
    expect(t.dims.every((d) => d >= 1)).toBe(true);
  }
}

/** Parses one corrupted file and records its outcome; throws (naming seed and case) on anything unexpected. */
function runCase(path: string, i: number, length: number, where: string, outcomes: Map<string, number>): void {
  try {
    // A quarter of each model's cases convert arrays in full (32000-string vocabularies: slow,
    // and their garbage makes V8's resident size swing by ~80 MiB); the rest use 'summary'.
    const f = readGgufSync(path, { arrays: (i >> 1) % 4 === 0 ? 'full' : 'summary' });
    checkParsed(f, length);
    outcomes.set('parsed', (outcomes.get('parsed') ?? 0) + 1);
  } catch (err) {
    if (!(err instanceof EngineError) || !ALLOWED.has(err.code)) {
      throw new Error(`${where}: unexpected ${err instanceof EngineError ? err.code : String(err)}`, { cause: err });
    }
    expect(err.message, where).not.toContain('\n');
    outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1);
  }
}

/** Peak resident set size so far (Linux VmHWM), or undefined elsewhere. */
function peakRss(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

describe(`GGUF fuzz (seed 0x${SEED.toString(16)}, ${CASES} cases)`, () => {
  const tmp = makeTempDir('gguf-fuzz');
  afterAll(tmp.cleanup);

  it('every corrupted file parses consistently or fails with a GGUF error code, in bounded memory', () => {
    const models: Model[] = ['stories260K', 'llama-2-tiny-random'].map((name) => {
      const path = sharedPath('models', `${name}.gguf`);
      return { name, bytes: readFileSync(path), dataOffset: readGgufSync(path, { arrays: 'summary' }).dataOffset };
    });
    const rand = makeRng(SEED).next; // mulberry32
    const work = Buffer.alloc(Math.max(...models.map((m) => m.bytes.length)));
    const outcomes = new Map<string, number>();
    let rssStart = 0;
    let peakStart: number | undefined;
    let peakExternal = 0;
    for (let i = 0; i < CASES; i++) {
      // Memory is measured from case WARMUP on: by then V8's heap and the allocator have grown
      // to their steady state for this workload.
      if (i === WARMUP) [rssStart, peakStart] = [process.memoryUsage().rss, peakRss()];
      const { length, what } = mutate(models[i % 2], rand, work);
      const path = join(tmp.dir, `case-${i}.gguf`); // a new file each time: a leaked mapping would stay resident
      writeFileSync(path, work.subarray(0, length));
      try {
        runCase(path, i, length, `seed 0x${SEED.toString(16)} case ${i}: ${what}`, outcomes);
      } finally {
        unlinkSync(path);
      }
      peakExternal = Math.max(peakExternal, process.memoryUsage().external);
    }
    const rssGrowth = process.memoryUsage().rss - rssStart;
    const peakEnd = peakRss();
    console.log(`gguf fuzz seed 0x${SEED.toString(16)}: ${JSON.stringify(Object.fromEntries(outcomes))}; ` +
      `rss +${(rssGrowth / MiB).toFixed(1)} MiB, peak external ${(peakExternal / MiB).toFixed(1)} MiB` +
      (peakStart !== undefined && peakEnd !== undefined ? `, VmHWM +${((peakEnd - peakStart) / MiB).toFixed(1)} MiB` : ''));

    // The fuzzer reaches deep into the format: successes and at least 4 different error codes.
    expect(outcomes.get('parsed') ?? 0).toBeGreaterThan(0);
    expect([...outcomes.keys()].filter((k) => k !== 'parsed').length).toBeGreaterThanOrEqual(4);

    // Memory bounds, from case WARMUP to the end (measured: +9 to +13 MiB RSS and < 8 MiB peak
    // external over 1000 cases for several seeds; the slow creep is V8's heap). One case holds
    // at most a few MiB: typed arrays converted from a <= 1.75 MB file cannot exceed its size
    // because every count is checked against it. A mapping that is never unmapped keeps the
    // pages the parser touched resident (14 KB to 720 KB per file; llama-2-tiny-random's
    // vocabulary alone is 700 KB), i.e. about 300 MiB over 800 cases; an allocation from an
    // unchecked count (2^40 elements) would raise the peak RSS or fail with OUT_OF_MEMORY.
    // The RSS bounds scale with INFLLM_FUZZ_CASES (5000 cases measured +31 MiB).
    const scale = CASES / 1000;
    expect(rssGrowth).toBeLessThan(64 * MiB * scale);
    if (peakStart !== undefined && peakEnd !== undefined) expect(peakEnd - peakStart).toBeLessThan(96 * MiB * scale);
    expect(peakExternal).toBeLessThan(32 * MiB);
  });
});
