import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBinding, packageRoot } from '../../engine/binding/loadBinding.js';

describe('native binding', () => {
  it('loads and reports its build', () => {
    const info = loadBinding().buildInfo();
    expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.cpu.baseline).toBe(true);
    expect(info.cpu.physicalCores).toBeGreaterThanOrEqual(1);
    expect(typeof info.cuda.compiled).toBe('boolean');
    if (info.cuda.compiled) expect(info.cuda.status.length).toBeGreaterThan(0);
  });

  it('resolves every symbol at load time (RTLD_NOW), so no call can die of a missing symbol', () => {
    // The addon is loaded lazily by default: a function declared but not defined (e.g. after a
    // signature change) would only kill the process when first called. A child process loads
    // it with immediate binding, which fails with "undefined symbol" in that case.
    const path = join(packageRoot(), 'build', 'Release', 'infllm.node');
    expect(existsSync(path)).toBe(true);
    const script = `const os=require('os');const m={exports:{}};process.dlopen(m,${JSON.stringify(path)},os.constants.dlopen.RTLD_NOW);console.log(typeof m.exports.buildInfo);`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/undefined symbol/);
    expect({ status: r.status, out: r.stdout.trim() }).toEqual({ status: 0, out: 'function' });
  });

  it('fails with an actionable error for a bad explicit path', () => {
    expect(() => loadBinding('/nonexistent/infllm.node')).toThrow(/not built/);
  });
});
