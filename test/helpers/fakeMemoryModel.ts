/**
 * A fake MemoryModel for ingest-job and document-memory unit tests: a real tokenizer (tiny SPM
 * vocabulary with byte fallback, optional chat template) and sessions whose "memory" is the list
 * of tokens fed plus where each execution chunk began (counted from each call's first token, as
 * InfLLM does), so a run that splits calls at other places than an uninterrupted run ends in a
 * different state. save() writes that state as JSON (atomically), open reads it back.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../engine/errors.js';
import type { MemoryModel, MemorySession, MemorySessionOptions } from '../../engine/library/memoryModel.js';
import { writeFileAtomic } from '../../engine/lifecycle/atomicWrite.js';
import { tokenizerFromMetadata } from '../../engine/model/tokenizer/loadTokenizer.js';
import type { Tokenizer } from '../../engine/model/tokenizer/Tokenizer.js';
import type { EvaluateOptions, EvaluateResult, GenerateOptions, GenerateResult, SessionStats } from '../../engine/session/types.js';
import { spmMetadata, T } from './tinyVocab.js';

/** The state a fake session holds and saves. */
export interface FakeState {
  tokens: number[];
  /** Stream position of every execution chunk's first query. */
  chunkStarts: number[];
  settings: MemorySessionOptions['infllm'];
}

/** Hooks and logs shared by the sessions of one fake model. */
export interface FakeMemoryLog {
  /** Every evaluate call: first position and token count. */
  calls: { start: number; n: number }[];
  /** nPast at every save. */
  saves: number[];
  /** Runs before each evaluate call takes effect (throw to make it fail). */
  beforeEval?: (start: number, n: number) => void;
  opened: number;
  created: number;
  /** Options of the last session made. */
  lastOptions?: MemorySessionOptions;
}

const STATE_FILE = 'state.json';

class FakeMemorySession implements MemorySession {
  disposed = false;

  constructor(
    private readonly log: FakeMemoryLog,
    private readonly options: MemorySessionOptions,
    readonly state: FakeState,
  ) {}

  async evaluate(tokens: number[], options: EvaluateOptions = {}): Promise<EvaluateResult> {
    if (this.disposed) throw new EngineError('DISPOSED', 'session has been disposed');
    await new Promise((r) => setImmediate(r));
    if (options.signal?.aborted) throw options.signal.reason;
    const start = this.state.tokens.length;
    if (tokens.length > (this.options.maxCallTokens ?? Infinity)) throw new Error(`call of ${tokens.length} > maxCallTokens`);
    this.log.beforeEval?.(start, tokens.length);
    for (let k = 0; k < tokens.length; k += this.state.settings.chunk) this.state.chunkStarts.push(start + k);
    this.state.tokens.push(...tokens);
    this.log.calls.push({ start, n: tokens.length });
    return { nPast: this.state.tokens.length, ms: 0 };
  }

  /**
   * Appends the prompt, then "generates" ids 3, 4, 5, 6, 7, 3, … (maxTokens of them); with `trace`
   * each token reports two layers retrieving blocks (p mod 5) and (p mod 3) of the predicting position p.
   */
  async generate(prompt: number[], o: GenerateOptions = {}): Promise<GenerateResult> {
    this.state.tokens.push(...prompt);
    const ids: number[] = [];
    const result = (stopReason: GenerateResult['stopReason']): GenerateResult => ({
      ids,
      text: '',
      stopReason,
      timings: { promptTokens: prompt.length, prefillMs: 0, prefillTokensPerSecond: 0, decodeTokens: 0, decodeMs: 0, decodeTokensPerSecond: 0 },
    });
    for (let i = 0; i < (o.maxTokens ?? 256); i++) {
      await new Promise((r) => setImmediate(r));
      if (this.disposed) throw new EngineError('DISPOSED', 'session has been disposed');
      if (o.signal?.aborted) {
        if (o.stopOnAbort) return result('abort');
        throw o.signal.reason;
      }
      const pos = this.state.tokens.length - 1;
      const id = 3 + (i % 5);
      const block = (b: number, score: number | null) => ({ id: b, begin: 0, end: 0, score });
      const retrieval = o.trace
        ? [
            { layer: 0, qStart: pos, qLen: 1, nBlocks: 5, scored: true, blocks: [block(pos % 5, pos / 100)], initLen: 0, tailLen: 0 },
            { layer: 1, qStart: pos, qLen: 1, nBlocks: 5, scored: false, blocks: [block(pos % 3, null)], initLen: 0, tailLen: 0 },
          ]
        : undefined;
      o.onToken?.({ id, index: i, text: '', timings: { ms: 0, elapsedMs: 0 }, ...(retrieval ? { retrieval } : {}) });
      this.state.tokens.push(id);
      ids.push(id);
    }
    return result('length');
  }

  async fork(): Promise<MemorySession> {
    return new FakeMemorySession(this.log, this.options, structuredClone(this.state));
  }

  async save(dir: string): Promise<unknown> {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, STATE_FILE), JSON.stringify(this.state));
    this.log.saves.push(this.state.tokens.length);
    return {};
  }

  stats(): SessionStats {
    return { nPast: this.state.tokens.length, pending: [], nBlocks: 0, bytesResident: 0, bytesMapped: 0 };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

/** Reads the state a fake session saved in `dir`. */
export async function readFakeState(dir: string): Promise<FakeState> {
  return JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as FakeState;
}

/** ChatML control tokens for the tiny vocabulary. */
const CHATML = [
  { text: '<|im_start|>', type: T.CONTROL },
  { text: '<|im_end|>', type: T.CONTROL },
];

/** A tokenizer over the tiny SPM vocabulary (every character by its UTF-8 bytes); `template` sets tokenizer.chat_template. */
export function tinyTokenizer(template?: string): Tokenizer {
  return tokenizerFromMetadata(spmMetadata(CHATML, template ? { 'tokenizer.chat_template': template } : {}));
}

/** A fake model; `fingerprint` names "another model", `memoryFormat` another engine's saved-memory format [2]. */
export function fakeMemoryModel(options: { fingerprint?: string; memoryFormat?: number; template?: string } = {}): { model: MemoryModel; log: FakeMemoryLog } {
  const log: FakeMemoryLog = { calls: [], saves: [], opened: 0, created: 0 };
  const model: MemoryModel = {
    info: { fingerprint: options.fingerprint ?? 'ab'.repeat(32), memoryFormat: options.memoryFormat ?? 2 },
    tokenizer: tinyTokenizer(options.template),
    createSession(o) {
      log.created++;
      log.lastOptions = o;
      return new FakeMemorySession(log, o, { tokens: [], chunkStarts: [], settings: o.infllm });
    },
    async openSession(dir, o) {
      let text: string;
      try {
        text = await readFile(join(dir, STATE_FILE), 'utf8');
      } catch {
        throw new EngineError('FILE_NOT_FOUND', `no saved memory in ${dir}`);
      }
      let state: FakeState;
      try {
        state = JSON.parse(text) as FakeState;
      } catch {
        throw new EngineError('MEMORY_CORRUPT', `damaged memory in ${dir}`);
      }
      const { cache: _a, ...want } = o.infllm;
      const { cache: _b, ...have } = state.settings;
      if (JSON.stringify(want) !== JSON.stringify(have)) throw new EngineError('MEMORY_MISMATCH', 'other settings');
      log.opened++;
      log.lastOptions = o;
      return new FakeMemorySession(log, o, state);
    },
  };
  return { model, log };
}
