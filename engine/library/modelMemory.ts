/**
 * The engine's Model and Session seen as a {@link MemoryModel}: InfLLM sessions created with a
 * memory's resolved settings, saved memories opened and saved through the model's methods.
 */
import { EngineError } from '../errors.js';
import type { Model } from '../model/Model.js';
import type { Session } from '../session/Session.js';
import type { MemoryModel, MemorySession, MemorySessionOptions } from './memoryModel.js';

// TODO(wp-memio): replace by Session.save / Model.openSession once saved memories are in main.
interface SavedMemoryApi {
  save?(dir: string): Promise<unknown>;
}
interface OpenApi {
  openSession?(dir: string, options: unknown): Promise<Session>;
}

function memorySession(s: Session): MemorySession {
  return {
    evaluate: (tokens, options) => s.evaluate(tokens, options),
    generate: (prompt, options) => s.generate(prompt, options),
    fork: async () => memorySession(await s.fork()),
    save: (dir) => {
      const save = (s as unknown as SavedMemoryApi).save;
      if (!save) return Promise.reject(new EngineError('NATIVE_UNAVAILABLE', 'this build cannot save memories'));
      return save.call(s, dir);
    },
    stats: () => s.stats(),
    dispose: () => s.dispose(),
  };
}

function sessionOptions(o: MemorySessionOptions) {
  const storage = o.storage === 'disk' ? { storage: o.storage, storageDir: o.storageDir } : {};
  return { attention: 'infllm' as const, infllm: { ...o.infllm, ...storage }, maxCallTokens: o.maxCallTokens };
}

/** `model` as document memories use it. */
export function memoryModelOf(model: Model): MemoryModel {
  return {
    info: model.info,
    tokenizer: model.tokenizer,
    createMemorySession: (o) => memorySession(model.createSession(sessionOptions(o))),
    openMemorySession: async (dir, o) => {
      const open = (model as unknown as OpenApi).openSession;
      if (!open) throw new EngineError('NATIVE_UNAVAILABLE', 'this build cannot open saved memories');
      return memorySession(await open.call(model, dir, sessionOptions(o)));
    },
  };
}
