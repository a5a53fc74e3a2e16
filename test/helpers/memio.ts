/**
 * Helpers for the saved-memory tests: an independent CRC-32C (bitwise, from the polynomial), the
 * manifest self-checksum rule (so tests can craft valid manifests of other versions), small
 * InfLLM settings that make many blocks on stories260K, and step-by-step continuation drivers.
 * No expected values are produced here.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { NativeInfllmSettings, NativeKvType, NativeModel, NativeSamplingParams, NativeSession } from '../../engine/binding/ModelBinding.js';
import { makeTempDir } from './gguf.js';
import { modelApi } from './golden.js';
import { readInfllmGolden } from './infllmGolden.js';
import { sharedPath } from './shared.js';

/** CRC-32C (Castagnoli, reflected 0x82F63B78, init/final xor 0xFFFFFFFF), one bit at a time. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export const hex8 = (v: number): string => v.toString(16).padStart(8, '0');

const CRC_KEY = '"manifestCrc32c": "';

/** The manifest text with its self-checksum recomputed (the field's digits count as '0'). */
export function restampManifest(text: string): string {
  const p = text.lastIndexOf(CRC_KEY) + CRC_KEY.length;
  const zeroed = text.slice(0, p) + '00000000' + text.slice(p + 8);
  return zeroed.slice(0, p) + hex8(crc32c(Buffer.from(zeroed, 'utf8'))) + zeroed.slice(p + 8);
}

/** Rewrites manifest.json of `dir` through `edit` (on the parsed JSON) and restamps it. */
export function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(m);
  writeFileSync(path, restampManifest(JSON.stringify(m, null, 2) + '\n'));
}

/** [name, size, crc32c] of every file the manifest of `dir` lists, as listed and as computed here. */
export function manifestChecks(dir: string): { listed: [string, number, string][]; actual: [string, number, string][] } {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: { name: string; bytes: number; crc32c: string }[] };
  const listed = m.files.map((f): [string, number, string] => [f.name, f.bytes, f.crc32c]);
  const actual = m.files.map((f): [string, number, string] => {
    const bytes = readFileSync(join(dir, f.name));
    return [f.name, bytes.length, hex8(crc32c(bytes))];
  });
  return { listed, actual };
}

/** Names of the files of a saved memory folder, sorted. */
export const memoryFiles = (dir: string): string[] => readdirSync(dir).sort();

/** Prompt `run` of the cfgA InfLLM golden file (run 0: P1, 926 tokens; run 5: P3, 942 tokens). */
export function goldenPrompt(run: number): Int32Array {
  return Int32Array.from(readInfllmGolden(sharedPath('golden', 'infllm', 'infllm_cfgA_issue61fix.json')).runs[run].prompt_ids);
}

/**
 * stories260K with one compute thread: these tests make thousands of 1-token evals, which a
 * 2-thread pool on a loaded 2-core machine slows down ~100x; results do not depend on threads.
 */
export function loadStories(): Promise<NativeModel> {
  return modelApi().modelLoad(sharedPath('models', 'stories260K.gguf'), { threads: 1 });
}

/** stories260K and a temp folder shared by the tests of one file (see {@link storiesFixture}). */
export interface StoriesFixture {
  /** The model (from beforeAll on). */
  readonly model: NativeModel;
  /** The temp folder (removed in afterAll). */
  readonly dir: string;
}

/**
 * Registers beforeAll (loadStories) and afterAll (dispose, remove the temp folder) for the file
 * it is called in, at its top level; hooks the file adds later run after these.
 */
export function storiesFixture(tmpPrefix: string): StoriesFixture {
  const tmp = makeTempDir(tmpPrefix);
  let model: NativeModel | undefined;
  beforeAll(async () => {
    model = await loadStories();
  });
  afterAll(() => {
    model?.dispose();
    tmp.cleanup();
  });
  return {
    get model(): NativeModel {
      if (!model) throw new Error('storiesFixture: the model is loaded in beforeAll');
      return model;
    },
    dir: tmp.dir,
  };
}

/** Settings that make many blocks on stories260K (block 16, window 64): ~53 blocks for 926 tokens. */
export function smallSettings(kvType: NativeKvType): Required<NativeInfllmSettings> {
  return { nInit: 4, nLocal: 64, blockSize: 16, topk: 4, reprTopk: 2, chunk: 16, cache: 4, compat: false, kvType };
}

/** One continuation: the token fed at each step, the logits of that step, and the sampled next token. */
export interface Continuation {
  ids: number[];
  logits: Float32Array[];
}

/** Feeds `first`, then each sampled token, `steps` times (one eval per token, last-row logits). */
export async function continueSession(session: NativeSession, first: number, steps: number, sample: NativeSamplingParams): Promise<Continuation> {
  const out: Continuation = { ids: [], logits: [] };
  let tok = first;
  for (let i = 0; i < steps; i++) {
    const r = await session.eval(Int32Array.of(tok), { logits: 'last', sample });
    out.ids.push(tok);
    out.logits.push(r.logits as Float32Array);
    tok = r.token as number;
  }
  out.ids.push(tok);
  return out;
}

/** True when both continuations fed the same ids and produced bit-identical logits. */
export function sameContinuation(a: Continuation, b: Continuation): boolean {
  if (a.ids.length !== b.ids.length || a.ids.some((x, i) => x !== b.ids[i])) return false;
  return a.logits.every((l, i) => {
    const m = b.logits[i];
    const x = new Uint32Array(l.buffer, l.byteOffset, l.length);
    const y = new Uint32Array(m.buffer, m.byteOffset, m.length);
    return x.length === y.length && x.every((v, j) => v === y[j]);
  });
}
