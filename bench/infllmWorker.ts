/**
 * Child process of the "infllm" suite: `node dist/bench/infllmWorker.js <task-json>` runs one
 * measurement (decode / prefill / memory / saveopen / passkey) and prints its result as one JSON
 * object on stdout, so that process RSS and allocator state belong to that measurement alone.
 */
import { runDecodeTask, type DecodeTask } from './infllmDecode.js';
import { runMemoryTask, type MemoryTask } from './infllmMemory.js';
import { runPasskeyTask, type PasskeyTask } from './infllmPasskey.js';
import { runPrefillTask, type PrefillTask } from './infllmPrefill.js';
import { runSaveOpenTask, type SaveOpenTask } from './infllmSaveOpen.js';

/** Every task a worker runs. */
export type WorkerTask = DecodeTask | PrefillTask | MemoryTask | SaveOpenTask | PasskeyTask;

async function run(task: WorkerTask): Promise<unknown> {
  switch (task.kind) {
    case 'decode':
      return runDecodeTask(task);
    case 'prefill':
      return runPrefillTask(task);
    case 'memory':
      return runMemoryTask(task);
    case 'saveopen':
      return runSaveOpenTask(task);
    case 'passkey':
      return runPasskeyTask(task);
  }
}

const result = await run(JSON.parse(process.argv[2]) as WorkerTask);
process.stdout.write(JSON.stringify(result) + '\n');
