// The small lifecycle pieces: AsyncLock/withLock (FIFO, abort while waiting, close), DisposeGuard
// (waits for in-flight work, releases once) and ProgressReporter.
import { describe, expect, it } from 'vitest';
import { DisposedError } from '../../engine/errors.js';
import { DisposeGuard } from '../../engine/lifecycle/DisposeGuard.js';
import { ProgressReporter } from '../../engine/lifecycle/progress.js';
import { AsyncLock, withLock } from '../../engine/lifecycle/withLock.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('AsyncLock', () => {
  it('grants in FIFO order and never to two holders at once', async () => {
    const lock = new AsyncLock();
    const log: string[] = [];
    let holders = 0;
    const job = (tag: string) =>
      withLock(lock, undefined, async () => {
        holders++;
        expect(holders).toBe(1);
        log.push(`${tag}+`);
        await tick();
        log.push(`${tag}-`);
        holders--;
      });
    await Promise.all([job('a'), job('b'), job('c')]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(lock.busy).toBe(false);
  });

  it('releases after a throwing job, drops aborted waiters, and rejects everyone after close', async () => {
    const lock = new AsyncLock();
    await expect(withLock(lock, undefined, async () => { throw new Error('x'); })).rejects.toThrow('x');
    expect(lock.busy).toBe(false);
    const release = await lock.acquire();
    const c = new AbortController();
    const waiting = lock.acquire(c.signal);
    const other = lock.acquire();
    expect(lock.queued).toBe(2);
    c.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(lock.queued).toBe(1);
    release();
    release(); // idempotent: must not release the next holder
    const releaseOther = await other;
    expect(lock.busy).toBe(true);
    const late = lock.acquire();
    lock.close(new Error('closed'));
    await expect(late).rejects.toThrow('closed');
    await expect(lock.acquire()).rejects.toThrow('closed');
    releaseOther();
  });
});

describe('DisposeGuard', () => {
  it('interrupts, waits for in-flight work, releases once, then refuses work', async () => {
    const guard = new DisposeGuard('thing');
    const log: string[] = [];
    let finish!: () => void;
    const work = guard.run(() => new Promise<void>((r) => (finish = r)).then(() => log.push('work done')));
    const d1 = guard.dispose(
      () => log.push('interrupt'),
      () => void log.push('release'),
    );
    const d2 = guard.dispose(
      () => log.push('interrupt again'),
      () => void log.push('release again'),
    );
    expect(d2).toBe(d1);
    await tick();
    expect(log).toEqual(['interrupt']);
    finish();
    await Promise.all([work, d1]);
    expect(log).toEqual(['interrupt', 'work done', 'release']);
    expect(() => guard.check()).toThrow(DisposedError);
    await expect(guard.run(async () => 1)).rejects.toThrow('thing has been disposed');
  });
});

describe('ProgressReporter', () => {
  it('clamps, drops non-increasing values, finishes at 1 and keeps a callback error', () => {
    const seen: number[] = [];
    const p = new ProgressReporter((f) => seen.push(f));
    for (const f of [0.1, 0.1, 0.05, NaN, 0.7, 3]) p.report(f);
    p.finish();
    expect(seen).toEqual([0.1, 0.7, 1]);
    let stopped = 0;
    const bad = new ProgressReporter(() => { throw new Error('cb'); }, () => stopped++);
    bad.report(0.5);
    bad.report(0.6);
    expect(stopped).toBe(1);
    expect(() => bad.rethrow()).toThrow('cb');
  });
});
