import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';

describe('native binding', () => {
  it('loads and reports its build', () => {
    const info = loadBinding().buildInfo();
    expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.cpu.baseline).toBe(true);
    expect(info.cpu.physicalCores).toBeGreaterThanOrEqual(1);
    expect(typeof info.cuda.compiled).toBe('boolean');
    if (info.cuda.compiled) expect(info.cuda.status.length).toBeGreaterThan(0);
  });

  it('fails with an actionable error for a bad explicit path', () => {
    expect(() => loadBinding('/nonexistent/infllm.node')).toThrow(/not built/);
  });
});
