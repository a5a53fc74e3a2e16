/**
 * The engine's Model seen as a {@link MemoryModel}: InfLLM sessions made with a memory's resolved
 * settings (disk tier when asked), saved memories opened with Model.openSession. Sessions are the
 * engine's own Session objects (they already have evaluate / generate / fork / save).
 */
import type { Model } from '../model/Model.js';
import type { SessionOptions } from '../session/types.js';
import type { MemoryModel, MemorySessionOptions } from './memoryModel.js';

function sessionOptions(o: MemorySessionOptions): SessionOptions & { attention: 'infllm' } {
  const out: SessionOptions & { attention: 'infllm' } = { attention: 'infllm', infllm: o.infllm };
  if (o.maxCallTokens !== undefined) out.maxCallTokens = o.maxCallTokens;
  if (o.storage === 'disk') out.storageDir = o.storageDir;
  return out;
}

/** `model` as document memories use it. */
export function memoryModelOf(model: Model): MemoryModel {
  return {
    info: model.info,
    tokenizer: model.tokenizer,
    createMemorySession: (o) => model.createSession(sessionOptions(o)),
    openMemorySession: (dir, o) => model.openSession(dir, sessionOptions(o)),
  };
}
