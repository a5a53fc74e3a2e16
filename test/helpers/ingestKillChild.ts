/**
 * Child process for test/model/ingest-kill.test.ts: ingests argv[3] into the library at argv[2]
 * on stories260K with the InfLLM settings in argv[4] (JSON), in 48-token calls, checkpointing every argv[5] tokens,
 * and SIGKILLs itself in the middle of prefilling once argv[6] checkpoints are saved. Each
 * checkpoint position is printed as one line on stdout first (pipes are synchronous on Linux).
 * Run with `node --import jiti/register`.
 */
import { extract } from '../../engine/ingest/extract.js';
import { IngestJob } from '../../engine/library/IngestJob.js';
import { LibraryService } from '../../engine/library/LibraryService.js';
import { Model } from '../../engine/model/Model.js';
import { sharedPath } from './shared.js';

const [root, source, settingsJson, everyArg, killAfterArg] = process.argv.slice(2);
const killAfter = Number(killAfterArg);
let saved = 0;
let lastSaved = -1;

const library = await LibraryService.open({ root, extract });
const model = await Model.load(sharedPath('models', 'stories260K.gguf'), { threads: 1 });
await IngestJob.run({
  library,
  model: model,
  source: { path: source },
  infllm: JSON.parse(settingsJson),
  checkpointTokens: Number(everyArg),
  callTokens: 48,
  progressIntervalMs: 0,
  onCheckpoint: (n) => {
    saved++;
    lastSaved = n;
    process.stdout.write(`${n}\n`);
  },
  onProgress: (p) => {
    // mid-prefill, a few calls after the last checkpoint we wanted
    if (saved >= killAfter && p.phase === 'prefill' && p.done > lastSaved + 32) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('finished\n');
