/**
 * Child process for test/unit/libraryKill.test.ts: opens the library at argv[2] and adds
 * argv[3]; the fs dies by SIGKILL at step argv[4] (a file write is half done first), 0 = never.
 * Prints {"steps": n} when it finishes. Run with `node --import jiti/register`.
 */
import { LibraryService } from '../../engine/library/LibraryService.js';
import { nodeAtomicFs, type AtomicFs } from '../../engine/lifecycle/atomicWrite.js';
import { fakeExtractor } from './libraryFakes.js';

const [root, source, killAtArg] = process.argv.slice(2);
const killAt = Number(killAtArg);
let step = 0;

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

const tick = (): boolean => ++step === killAt;

const fs: AtomicFs = {
  async writeFileSynced(path, data) {
    if (tick()) {
      const bytes = Buffer.from(data);
      await nodeAtomicFs.writeFileSynced(path, bytes.subarray(0, bytes.length >> 1));
      die();
    }
    await nodeAtomicFs.writeFileSynced(path, data);
  },
  rename: async (a, b) => (tick() ? die() : nodeAtomicFs.rename(a, b)),
  mkdir: async (p) => (tick() ? die() : nodeAtomicFs.mkdir(p)),
  mkdtemp: async (p) => (tick() ? die() : nodeAtomicFs.mkdtemp(p)),
  rm: async (p) => (tick() ? die() : nodeAtomicFs.rm(p)),
  fsyncDir: async (p) => (tick() ? die() : nodeAtomicFs.fsyncDir(p)),
};

const lib = await LibraryService.open({ root, extract: fakeExtractor().extract, fs });
await lib.add(source);
process.stdout.write(JSON.stringify({ steps: step }) + '\n');
