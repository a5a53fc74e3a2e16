/**
 * The quantizers against llama.cpp itself: every F32 tensor of the synthetic llama.f32.gguf,
 * quantized here, must equal byte for byte what llama-quantize (no imatrix) wrote into
 * llama.{f16,q8_0,q4_0,q4_k_m,q6_k}.gguf for each tensor of type F16, Q8_0, Q4_0, Q4_K or Q6_K
 * (shared/models/synthetic/README.md). This checks the byte layouts and the algorithms at once.
 * Tensor offsets come from the native reader.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ggmlTypeById } from '../../engine/gguf/ggmlTypes.js';
import { quantizeRow, type QuantType } from '../../engine/gguf/quantize/quantizeRow.js';
import { readGgufSync } from '../../engine/model/gguf.js';
import { sharedPath } from '../helpers/shared.js';

interface Tensor {
  name: string;
  type: string;
  bytes: Uint8Array;
  n: number;
}

/** Every tensor of a shared synthetic model with its raw data. */
function tensors(file: string): Map<string, Tensor> {
  const path = sharedPath('models', 'synthetic', file);
  const info = readGgufSync(path);
  const data = readFileSync(path);
  const out = new Map<string, Tensor>();
  for (const t of info.tensors) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset + t.offset, t.nBytes);
    out.set(t.name, { name: t.name, type: ggmlTypeById(t.type)!.name, bytes, n: t.dims.reduce((a, b) => a * b, 1) });
  }
  return out;
}

const f32 = tensors('llama.f32.gguf');
function weights(name: string): Float32Array {
  const t = f32.get(name)!;
  expect(t.type).toBe('F32');
  return new Float32Array(t.bytes.slice().buffer);
}

const EXACT: [string, QuantType[]][] = [
  ['llama.f16.gguf', ['F16']],
  ['llama.q8_0.gguf', ['Q8_0']],
  ['llama.q4_0.gguf', ['Q4_0', 'Q6_K']],
  ['llama.q6_k.gguf', ['Q6_K']],
  ['llama.q4_k_m.gguf', ['Q4_K', 'Q6_K']],
];

describe.each(EXACT)('%s', (file, types) => {
  const quantized = [...tensors(file).values()].filter((t) => types.includes(t.type as QuantType));

  it(`has the ${types.join('/')} tensors this test expects`, () => {
    expect(quantized.length).toBeGreaterThanOrEqual(types.includes('F16') || types.includes('Q8_0') ? 16 : 1);
  });

  it.each(quantized.map((t) => [t.name, t.type, t] as const))('%s (%s) equals llama-quantize byte for byte', (name, type, t) => {
    const ours = quantizeRow(type as QuantType, weights(name));
    expect(ours.length).toBe(t.bytes.length);
    expect(Buffer.compare(Buffer.from(ours), Buffer.from(t.bytes))).toBe(0);
  });
});
