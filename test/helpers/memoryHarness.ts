/**
 * Helpers for the attention-memory tests: seeded random Q/K/V, call schedules, running a native
 * TestMemory over a schedule, and comparisons. No expected values are produced here.
 */
import { loadBinding } from '../../engine/binding/loadBinding.js';
import type { MemoryLayout, MemoryTestingApi, RetrievalRecord, TestMemory, TestMemoryOptions } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings } from '../../engine/binding/ModelBinding.js';
import { makeRng } from './ggmlReference.js';
import type { LayerInput, RefLayout, RefSettings } from './infllmReference.js';

/** The memory test surface of the native binding. */
export function memoryApi(): MemoryTestingApi {
  return loadBinding()._testing.memory;
}

/** Deterministic uniform [0, 1) generator (mulberry32, ggmlReference's makeRng). */
export function rng(seed: number): () => number {
  return makeRng(seed).next;
}

/** Standard normal sample (Box-Muller). */
export function randn(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Random inputs for `n` tokens of every layer: q, k ~ N(0, 1) * qkScale, v ~ U(-1, 1). */
export function randomInputs(rand: () => number, lay: MemoryLayout, n: number, qkScale = 1.5): LayerInput[] {
  const { nHead: H, nHeadKv: Hkv, headDim: d } = lay;
  return Array.from({ length: lay.nLayer }, () => ({
    q: Float32Array.from({ length: n * H * d }, () => randn(rand) * qkScale),
    k: Float32Array.from({ length: n * Hkv * d }, () => randn(rand) * qkScale),
    v: Float32Array.from({ length: n * Hkv * d }, () => rand() * 2 - 1),
  }));
}

/** Tokens [t0, t1) of every layer's inputs. */
export function sliceInputs(inputs: LayerInput[], lay: MemoryLayout, t0: number, t1: number): LayerInput[] {
  const qr = lay.nHead * lay.headDim;
  const kr = lay.nHeadKv * lay.headDim;
  return inputs.map((x) => ({
    q: x.q.slice(t0 * qr, t1 * qr),
    k: x.k.slice(t0 * kr, t1 * kr),
    v: x.v.slice(t0 * kr, t1 * kr),
  }));
}

/** Calls [start, end) covering [0, total) with the given sizes (the last call takes the rest). */
export function splitCalls(total: number, sizes: number[]): [number, number][] {
  const calls: [number, number][] = [];
  let t = 0;
  for (const s of sizes) {
    if (t >= total) break;
    const e = Math.min(total, t + s);
    calls.push([t, e]);
    t = e;
  }
  if (t < total) calls.push([t, total]);
  return calls;
}

export interface NativeRun {
  /** Per layer, [total, nHead, headDim] concatenated over calls. */
  out: Float32Array[];
  records: RetrievalRecord[];
}

/** One call on every layer of `inputs` (commit = false leaves it open, e.g. for rollback). */
export function nativeCall(
  mem: TestMemory,
  lay: MemoryLayout,
  inputs: LayerInput[],
  commit = true,
): { out: Float32Array[]; records: RetrievalRecord[] } {
  mem.beginCall(inputs[0].q.length / (lay.nHead * lay.headDim));
  const out = inputs.map((x, il) => mem.attend(il, x.q, x.k, x.v));
  if (commit) mem.endCall();
  return { out, records: mem.takeRetrievals() };
}

/** Runs `inputs` (all tokens) through `mem` in the given calls. */
export function runNative(mem: TestMemory, lay: MemoryLayout, inputs: LayerInput[], calls: [number, number][]): NativeRun {
  const total = calls[calls.length - 1][1];
  const qr = lay.nHead * lay.headDim;
  const out = inputs.map(() => new Float32Array(total * qr));
  const records: RetrievalRecord[] = [];
  for (const [t0, t1] of calls) {
    const r = nativeCall(mem, lay, sliceInputs(inputs, lay, t0, t1));
    r.out.forEach((o, il) => out[il].set(o, t0 * qr));
    records.push(...r.records);
  }
  return { out, records };
}

/** Creates an InfLLM test memory. */
/**
 * A native InfLLM memory. Blocks are stored as f32 unless `settings.kvType` says otherwise: these
 * helpers serve the oracle tests, which compare with float64 references (the native default is f16).
 */
export function createInfllm(lay: MemoryLayout, settings: NativeInfllmSettings, extra: Partial<TestMemoryOptions> = {}): TestMemory {
  return memoryApi().create(lay, { kind: 'infllm', settings: { kvType: 'f32', ...settings }, ...extra });
}

/** Reference layout / settings from the native-style ones (all settings must be given). */
export function refLayout(lay: MemoryLayout): RefLayout {
  return { nHead: lay.nHead, nHeadKv: lay.nHeadKv, headDim: lay.headDim, ropeBase: lay.ropeBase ?? 10000, neox: lay.neox ?? false, nDims: lay.nDims };
}
export function refSettings(s: Required<NativeInfllmSettings>): RefSettings {
  return { nInit: s.nInit, nLocal: s.nLocal, blockSize: s.blockSize, topk: s.topk, reprTopk: s.reprTopk, chunk: s.chunk, compat: s.compat };
}

/** max |a - b| over all elements (one definition for every test: golden.ts). */
export { maxAbsDiff } from './golden.js';

/** True when both arrays hold exactly the same bits. */
export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}
