// Pure parts of the session layer: StopMatcher against a brute-force reference, call planning,
// InfLLM settings (defaults, validation, the CLI's k=v syntax, block ranges), logit statistics.
import { describe, expect, it } from 'vitest';
import { sessionOptionsFrom } from '../../engine/cli/args.js';
import { infllmBlockRange, parseInfllmSpec, resolveInfllmSettings } from '../../engine/session/infllmSettings.js';
import { logprobOf, topLogits } from '../../engine/session/logitStats.js';
import { planCalls } from '../../engine/session/prefillPlan.js';
import { StopMatcher } from '../../engine/session/StopMatcher.js';

describe('StopMatcher', () => {
  it('releases exactly what no stop string can still claim (brute-force reference)', () => {
    const stops = ['ab', 'abc', 'bcd', 'dd', '🍎x'];
    const alphabet = ['a', 'b', 'c', 'd', 'x', '🍎', 'ab', 'cd', ''];
    let seed = 3;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 8) % n;
    for (let trial = 0; trial < 2000; trial++) {
      const m = new StopMatcher(stops);
      let seen = '';
      let released = '';
      for (let step = 0; step < 8 && !m.stopped; step++) {
        const piece = alphabet[rand(alphabet.length)];
        seen += piece;
        const r = m.push(piece);
        released += r.text;
        const hits = stops.map((s) => seen.indexOf(s)).filter((i) => i >= 0);
        if (hits.length > 0) {
          expect(r.stopped).toBe(true);
          expect(released).toBe(seen.slice(0, Math.min(...hits)));
        } else {
          // Expected hold: the longest tail of `seen` that is a proper prefix of a stop string.
          let hold = 0;
          for (let k = 1; k <= seen.length; k++) if (stops.some((s) => k < s.length && s.startsWith(seen.slice(seen.length - k)))) hold = k;
          expect(r.stopped).toBe(false);
          expect(released).toBe(seen.slice(0, seen.length - hold));
        }
      }
      if (!m.stopped) expect(released + m.flush()).toBe(seen);
    }
  });

  it('with no stop strings passes text straight through', () => {
    const m = new StopMatcher([]);
    expect(m.push('abc')).toEqual({ text: 'abc', stopped: false });
    expect(m.flush()).toBe('');
  });
});

describe('planCalls', () => {
  it('cuts full attention by maxCall and InfLLM by whole chunks; splitLast isolates the last token', () => {
    expect(planCalls(0, { maxCall: 4 })).toEqual([]);
    expect(planCalls(9, { maxCall: 4 })).toEqual([4, 4, 1]);
    expect(planCalls(9, { maxCall: 4, splitLast: true })).toEqual([4, 4, 1]);
    expect(planCalls(10, { maxCall: 4, splitLast: true })).toEqual([4, 4, 1, 1]);
    expect(planCalls(1, { maxCall: 4, splitLast: true })).toEqual([1]);
    expect(planCalls(20, { maxCall: 10, chunk: 3 })).toEqual([9, 9, 2]);
    expect(planCalls(20, { maxCall: 2, chunk: 3 })).toEqual([3, 3, 3, 3, 3, 3, 2]);
    expect(planCalls(20, { maxCall: 10, chunk: 3, splitLast: true })).toEqual([9, 9, 1, 1]);
    // Every call but the last starts on a chunk boundary of one big call.
    for (let n = 1; n < 60; n++) {
      const calls = planCalls(n, { maxCall: 17, chunk: 4 });
      expect(calls.reduce((a, b) => a + b, 0)).toBe(n);
      expect(calls.slice(0, -1).every((c) => c % 4 === 0)).toBe(true);
    }
    expect(() => planCalls(5, { maxCall: 0 })).toThrow(/maxCallTokens/);
  });

  it('exact: calls of exactly N tokens regardless of the chunk (the reference driver chunk_size)', () => {
    expect(planCalls(555, { maxCall: 512, chunk: 16, exact: 100, splitLast: true })).toEqual([100, 100, 100, 100, 100, 54, 1]);
    expect(planCalls(555, { maxCall: 512, chunk: 16, exact: 2 ** 31 - 1, splitLast: true })).toEqual([554, 1]);
    expect(planCalls(7, { maxCall: 4, exact: 3 })).toEqual([3, 3, 1]);
    for (const bad of [0, 1.5, -3]) expect(() => planCalls(5, { maxCall: 4, exact: bad })).toThrow(/prefillCallTokens/);
  });
});

describe('InfLLM settings', () => {
  it('fills the paper defaults and validates like the native core', () => {
    expect(resolveInfllmSettings()).toEqual({ nInit: 128, nLocal: 4096, blockSize: 128, topk: 16, reprTopk: 4, chunk: 512, cache: 32, compat: false, kvType: 'f16' });
    expect(resolveInfllmSettings({ topk: 0 }).topk).toBe(0);
    const bad: [object, RegExp][] = [
      [{ nLocal: 0 }, /nLocal must be in \[1,/],
      [{ nInit: -1 }, /nInit/],
      [{ blockSize: 2.5 }, /blockSize must be an integer/],
      [{ reprTopk: 200 }, /reprTopk \(200\) must be <= blockSize/],
      [{ chunk: 8192 }, /chunk \(8192\) must be <= nLocal/],
      [{ topk: 40 }, /cache \(32\) must be >= topk/],
      [{ compat: 1 }, /compat must be a boolean/],
      [{ kvType: 'f8' }, /kvType must be one of f32, f16, q8 \(got f8\)/],
      [{ nlocal: 5 }, /unknown InfLLM setting "nlocal"/],
    ];
    for (const [s, re] of bad) expect(() => resolveInfllmSettings(s as never)).toThrow(re);
  });

  it('parses the CLI syntax with clear errors', () => {
    expect(parseInfllmSpec('n_init=4,n_local=64,block=16,topk=4,repr=2,chunk=16,cache=128,compat=1,kv=q8')).toEqual({
      nInit: 4, nLocal: 64, blockSize: 16, topk: 4, reprTopk: 2, chunk: 16, cache: 128, compat: true, kvType: 'q8',
    });
    expect(() => parseInfllmSpec('kv=f64')).toThrow(/kv must be one of f32, f16, q8/);
    expect(parseInfllmSpec('')).toEqual(resolveInfllmSettings());
    expect(() => parseInfllmSpec('size=3')).toThrow(/unknown key "size"/);
    expect(() => parseInfllmSpec('topk')).toThrow(/not key=value/);
    expect(() => parseInfllmSpec('topk=-1')).toThrow(/non-negative integer/);
    expect(() => parseInfllmSpec('topk=1.5')).toThrow(/non-negative integer/);
    expect(() => parseInfllmSpec('compat=2')).toThrow(/compat must be 0 or 1/);
    expect(() => parseInfllmSpec('topk=1,topk=2')).toThrow(/given twice/);
    expect(() => parseInfllmSpec('chunk=100,n_local=64')).toThrow(/--infllm: .*chunk \(100\) must be <= nLocal \(64\)/);
  });

  it('the CLI starts from float32 blocks; kv= overrides; the base never hides a bad key', () => {
    expect(sessionOptionsFrom({ infllm: 'topk=2' })).toEqual({ attention: 'infllm', infllm: resolveInfllmSettings({ topk: 2, kvType: 'f32' }) });
    expect(sessionOptionsFrom({ attention: 'infllm' }).infllm?.kvType).toBe('f32');
    expect(sessionOptionsFrom({ infllm: 'kv=q8' }).infllm?.kvType).toBe('q8');
    expect(parseInfllmSpec('n_local=64', { nLocal: 32, chunk: 16, kvType: 'f32' })).toMatchObject({ nLocal: 64, chunk: 16, kvType: 'f32' });
    expect(() => sessionOptionsFrom({ infllm: 'kv=f32,kv=f16' })).toThrow(/given twice/);
  });

  it('block b holds [n_init + b·B, n_init + (b+1)·B)', () => {
    const s = resolveInfllmSettings({ nInit: 4, blockSize: 16 });
    expect(infllmBlockRange(s, 0)).toEqual([4, 20]);
    expect(infllmBlockRange(s, 3)).toEqual([52, 68]);
  });
});

describe('logit statistics', () => {
  it('logprob and top-k agree with a float64 reference', () => {
    const logits = Float32Array.from([1, 3, NaN, 3, -2, 0.5]);
    const finite = [1, 3, 3, -2, 0.5];
    const row = Float32Array.from(finite);
    const lse = Math.log(finite.reduce((s, x) => s + Math.exp(x), 0));
    // Float32 inputs here are exact; 1e-12 covers float64 rounding of exp/log.
    expect(Math.abs(logprobOf(row, 1) - (3 - lse))).toBeLessThan(1e-12);
    expect(topLogits(logits, 3)).toEqual([{ id: 1, logit: 3 }, { id: 3, logit: 3 }, { id: 0, logit: 1 }]);
    expect(topLogits(logits, 0)).toEqual([]);
    expect(topLogits(logits, 10).map((t) => t.id)).toEqual([1, 3, 0, 5, 4]);
  });
});
