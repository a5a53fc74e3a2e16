// Typed metadata getters (engine/model/gguf.ts) and readGguf's error mapping with a fake binding.
import { describe, expect, it } from 'vitest';
import type { GgufBinding, GgufFileInfo } from '../../engine/binding/GgufBinding.js';
import { EngineError } from '../../engine/errors.js';
import {
  mdBool,
  mdFloat32Array,
  mdHas,
  mdInt,
  mdInt32Array,
  mdNumber,
  mdString,
  mdStringArray,
  readGguf,
  readGgufSync,
  type GgufMetadata,
} from '../../engine/model/gguf.js';

const md: GgufMetadata = {
  s: 'text',
  n: 3,
  f: 0.5,
  big: 2n ** 60n,
  b: false,
  strs: ['a', 'b'],
  f32: new Float32Array([1, 2]),
  f64: new Float64Array([0.5]),
  i32: new Int32Array([-1, 2]),
  u8: new Uint8Array([1, 255]),
  u32big: new Uint32Array([4294967295]),
  i64: new BigInt64Array([-3n, 4n]),
  nested: [['x']],
};

function code(fn: () => unknown): [string | undefined, string] {
  try {
    fn();
  } catch (err) {
    return [(err as EngineError).code, (err as Error).message];
  }
  return [undefined, ''];
}

describe('metadata getters', () => {
  it('return values of the right type', () => {
    expect(mdString(md, 's')).toBe('text');
    expect(mdNumber(md, 'f')).toBe(0.5);
    expect(mdInt(md, 'n')).toBe(3);
    expect(mdBool(md, 'b')).toBe(false);
    expect(mdStringArray(md, 'strs')).toEqual(['a', 'b']);
    expect(mdFloat32Array(md, 'f32')).toBe(md.f32);
    expect(mdFloat32Array(md, 'f64')).toStrictEqual(new Float32Array([0.5]));
    expect(mdInt32Array(md, 'i32')).toBe(md.i32);
    expect(mdInt32Array(md, 'u8')).toStrictEqual(new Int32Array([1, 255]));
    expect(mdInt32Array(md, 'i64')).toStrictEqual(new Int32Array([-3, 4]));
    expect(mdHas(md, 's')).toBe(true);
    expect(mdHas(md, 'toString')).toBe(false);
  });

  it('return the default only when the key is absent', () => {
    expect(mdString(md, 'absent', 'def')).toBe('def');
    expect(mdNumber(md, 'absent', 7)).toBe(7);
    expect(mdBool(md, 'absent', true)).toBe(true);
    expect(mdStringArray(md, 'absent', [])).toEqual([]);
    expect(mdNumber(md, 'n', 7)).toBe(3);
    expect(code(() => mdString(md, 'n', 'def'))[0]).toBe('BAD_METADATA');
    // Inherited properties are not metadata.
    expect(mdString(md, 'constructor', 'def')).toBe('def');
  });

  it('throw BAD_METADATA naming the key when absent without default', () => {
    expect(code(() => mdString(md, 'general.name'))).toEqual(['BAD_METADATA', 'metadata key "general.name" is missing']);
    expect(code(() => mdInt32Array(md, 'x'))[1]).toContain('"x" is missing');
  });

  it('throw BAD_METADATA naming the key and both types on a type mismatch', () => {
    expect(code(() => mdNumber(md, 's'))).toEqual(['BAD_METADATA', 'metadata key "s" is string, expected a number']);
    expect(code(() => mdString(md, 'f32'))[1]).toBe('metadata key "f32" is Float32Array[2], expected a string');
    expect(code(() => mdBool(md, 'n'))[0]).toBe('BAD_METADATA');
    expect(code(() => mdStringArray(md, 'nested'))[1]).toContain('"nested" is array[1], expected an array of strings');
    expect(code(() => mdFloat32Array(md, 'i32'))[0]).toBe('BAD_METADATA');
    expect(code(() => mdInt32Array(md, 'f32'))[0]).toBe('BAD_METADATA');
    expect(code(() => mdInt(md, 'f'))[1]).toContain('"f" = 0.5 is not an integer');
    expect(code(() => mdNumber(md, 'big'))[1]).toContain('"big" = 1152921504606846976 is too large');
    expect(code(() => mdInt32Array(md, 'u32big'))[1]).toContain('"u32big"[0] = 4294967295 does not fit');
  });
});

describe('readGguf with an injected binding', () => {
  const nativeError = (code: string): Error => Object.assign(new Error(`boom ${code}`), { code });
  const fake = (err?: Error): GgufBinding => ({
    ggufReadSync: () => {
      if (err) throw err;
      return { version: 3 } as GgufFileInfo;
    },
    ggufRead: async () => {
      if (err) throw err;
      return { version: 2 } as GgufFileInfo;
    },
  });

  it('passes results and options through', async () => {
    expect(readGgufSync('x', {}, fake()).version).toBe(3);
    expect((await readGguf('x', {}, fake())).version).toBe(2);
  });

  it('turns native errors into EngineError with the same code', async () => {
    const sync = code(() => readGgufSync('x', {}, fake(nativeError('GGUF_TRUNCATED'))));
    expect(sync).toEqual(['GGUF_TRUNCATED', 'boom GGUF_TRUNCATED']);
    const err = await readGguf('x', {}, fake(nativeError('GGUF_CORRUPT'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('GGUF_CORRUPT');
  });
});
