/**
 * Crash safety of save: a failure injected at each step of the save (block files written, all
 * files written, manifest written just before the folder moves into place), and a real SIGKILL of
 * a child process hanging at those steps. Afterwards the target is either absent (first save) or
 * still the complete old memory (same manifest bytes, same continuation); no folder that looks
 * like a memory appears, and a half-written temp folder cannot be opened.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/binding/loadBinding.js';
import { continueSession, goldenPrompt, sameContinuation, smallSettings, storiesFixture } from '../helpers/memio.js';
import { childScript, tsChildArgs } from '../helpers/tsChild.js';

const PROMPT = goldenPrompt(0);
const OLD_LEN = 300;
const S = { ...smallSettings('q8') };
const OPEN = { attention: 'infllm' as const, infllm: S };
const STEPS = ['blocks', 'files', 'manifest'] as const;

const stories = storiesFixture('memio-crash');

/** A memory of the first n prompt tokens saved at dir; returns its manifest text and continuation. */
async function saveOld(dir: string, n: number) {
  const s = stories.model.createSession({ attention: 'infllm', infllm: S });
  await s.eval(PROMPT.subarray(0, n), { logits: 'none' });
  await s.save(dir);
  const cont = await continueSession(s, 5, 20, { temperature: 0 });
  s.dispose();
  return { manifest: readFileSync(join(dir, 'manifest.json'), 'utf8'), cont };
}

async function expectIntact(dir: string, old: Awaited<ReturnType<typeof saveOld>>): Promise<void> {
  expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(old.manifest);
  const o = await stories.model.openSession(dir, OPEN);
  expect(o.nPast()).toBe(OLD_LEN);
  expect(sameContinuation(await continueSession(o, 5, 20, { temperature: 0 }), old.cont)).toBe(true);
  o.dispose();
}

/** Every entry of `parent` except the given ones: what a save may leave behind. */
const others = (parent: string, keep: string[]): string[] => readdirSync(parent).filter((n) => !keep.includes(n));

describe('save is crash-safe', () => {
  it.each(STEPS)('injected failure after step "%s": no memory appears, the old one is intact, no temp folder is left', async (step) => {
    const parent = join(stories.dir, `inject-${step}`);
    mkdirSync(parent);
    const s = stories.model.createSession({ attention: 'infllm', infllm: S });
    await s.eval(PROMPT, { logits: 'none' });
    const fault = loadBinding()._testing.memio.saveWithFault;
    await expect(fault(s, join(parent, 'fresh'), step, 'throw')).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/injected/) });
    expect(readdirSync(parent)).toEqual([]);
    const old = await saveOld(join(parent, 'mem'), OLD_LEN);
    await expect(fault(s, join(parent, 'mem'), step, 'throw')).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(readdirSync(parent)).toEqual(['mem']);
    await expectIntact(join(parent, 'mem'), old);
    expect((await s.save(join(parent, 'mem'))).nTokens).toBe(PROMPT.length); // the session is fine
    s.dispose();
  });

  const child = childScript('memioSaveChild.ts');

  /** Runs the child until it hangs inside the save at `step`, then SIGKILLs it. */
  async function killMidSave(dir: string, step: string): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const p = execFile(process.execPath, tsChildArgs(child, [dir, step, String(PROMPT.length), JSON.stringify(S)]), { timeout: 120_000 }, (err) =>
        resolve((err as { signal?: string } | null)?.signal ?? null),
      );
      const poll = setInterval(() => {
        if (existsSync(`${dir}.hang`)) {
          clearInterval(poll);
          p.kill('SIGKILL');
        }
      }, 20);
      p.on('error', reject);
      p.on('exit', () => clearInterval(poll));
    });
  }

  it.each(STEPS)('SIGKILL while hanging after step "%s": the old memory is intact; a half-written temp folder is not a memory', async (step) => {
    const parent = join(stories.dir, `kill-${step}`);
    mkdirSync(parent);
    const old = await saveOld(join(parent, 'mem'), OLD_LEN);
    expect(await killMidSave(join(parent, 'mem'), step)).toBe('SIGKILL');
    await expectIntact(join(parent, 'mem'), old);
    const left = others(parent, ['mem', 'mem.hang']);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.mem\.saving-[0-9a-f]{16}$/); // a hidden temp name, never listed as a memory
    if (step !== 'manifest') {
      await expect(stories.model.openSession(join(parent, left[0]), OPEN)).rejects.toMatchObject({ code: 'MEMORY_CORRUPT' });
    }
  }, 150_000);
});
