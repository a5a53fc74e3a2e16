/**
 * Deterministic random numbers for synthetic weights: one independent stream per (seed, tensor
 * name, row), so a tensor's values do not depend on how rows are batched or in which order
 * tensors are written. xoshiro128** seeded through splitmix32; normals by Marsaglia's polar
 * method (only log and sqrt, which V8 computes identically on every platform).
 */

/** murmur3's 32-bit finaliser: a bijective mix of a 32-bit integer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a hash of a string's UTF-16 code units. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A stream of uniform and standard normal numbers. */
export class SeededNormal {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;

  /** The stream of row `row` of tensor `name` for model seed `seed` (all integers >= 0). */
  constructor(seed: number, name: string, row: number) {
    let x = fmix32(fmix32(seed >>> 0) ^ hashString(name)) ^ fmix32(row + 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0; // splitmix32
      return fmix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1; // never the all-zero state
  }

  /** xoshiro128**: the next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in (-1, 1) with 32 bits of resolution. */
  private signedUniform(): number {
    return (this.nextU32() + 0.5) / 2147483648 - 1;
  }

  /** A standard normal value (mean 0, variance 1). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    for (;;) {
      const u = this.signedUniform();
      const v = this.signedUniform();
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * m;
      this.hasSpare = true;
      return u * m;
    }
  }

  /** Fills `out` with mean + std · N(0, 1). */
  fillNormal(out: Float32Array, mean: number, std: number): void {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
