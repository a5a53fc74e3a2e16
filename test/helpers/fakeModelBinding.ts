/**
 * A fake native binding for the model and session services (no addon needed): a tiny
 * SentencePiece vocabulary with byte-fallback tokens (so UTF-8 can split across tokens), a
 * "model" whose greedy next token is a rule over the token history, and native-like behaviour:
 * eval yields between layers and checks the abort flag there (CANCELLED leaves the state as
 * before the call), overlapping evals reject BUSY, disposed objects throw DISPOSED, and every
 * call is logged for the tests to inspect.
 */
import type {
  NativeAbort,
  NativeEvalOptions,
  NativeEvalResult,
  NativeModel,
  NativeModelInfo,
  NativeModelLoadOptions,
  NativeOpenOptions,
  NativeRetrievalTrace,
  NativeSaveResult,
  NativeSamplingParams,
  NativeSession,
  NativeSessionOptions,
  NativeVerifyResult,
} from '../../engine/binding/ModelBinding.js';
import type { GgufFileInfo } from '../../engine/model/gguf.js';
import type { EngineBinding } from '../../engine/model/Model.js';

/** Words of the fake vocabulary (after <unk>, <s>, </s> and the 256 byte tokens). */
const WORDS = ['▁Hello', '▁world', ',', '!', '▁ST', 'OP', '▁the', '▁end', '.', '▁<', 'END', '>', '▁a', 'b', '\n'];
export const BYTE0 = 3;
export const FIRST_WORD = BYTE0 + 256;

/** Id of a word of the fake vocabulary ("▁Hello" → its id). */
export function wordId(word: string): number {
  const i = WORDS.indexOf(word);
  if (i < 0) throw new Error(`not a fake word: ${word}`);
  return FIRST_WORD + i;
}

/** Byte-fallback ids of a string's UTF-8. */
export function byteIds(text: string): number[] {
  return [...Buffer.from(text, 'utf8')].map((b) => BYTE0 + b);
}

/** GGUF metadata of the fake model (llama architecture, SPM vocabulary). */
export function fakeMetadata(extra: Record<string, unknown> = {}): GgufFileInfo['metadata'] {
  const tokens = ['<unk>', '<s>', '</s>'];
  for (let b = 0; b < 256; b++) tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  tokens.push(...WORDS);
  // Prefixes of the words, so that SentencePiece merging can build them from characters.
  for (const word of WORDS) for (let k = 2; k < [...word].length; k++) if (!tokens.includes(word.slice(0, k))) tokens.push(word.slice(0, k));
  for (const word of WORDS) for (const ch of word) if (!tokens.includes(ch)) tokens.push(ch);
  const types = new Int32Array(tokens.length).fill(1);
  types[0] = 2;
  types[1] = types[2] = 3;
  for (let b = 0; b < 256; b++) types[BYTE0 + b] = 6;
  return {
    'general.architecture': 'llama',
    'general.name': 'fake',
    'llama.context_length': 64,
    'llama.embedding_length': 8,
    'llama.block_count': 4,
    'llama.attention.head_count': 2,
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.scores': new Float32Array(tokens.length),
    'tokenizer.ggml.token_type': types,
    'tokenizer.ggml.bos_token_id': 1,
    'tokenizer.ggml.eos_token_id': 2,
    ...(extra as GgufFileInfo['metadata']),
  };
}

export const FAKE_PATH = '/fake/model.gguf';
export const N_VOCAB = (fakeMetadata()['tokenizer.ggml.tokens'] as string[]).length;

/** Configuration of {@link FakeBinding}. */
export interface FakeSpec {
  /** Greedy next token after `history` (every token fed so far). Default: always "▁a". */
  next?: (history: readonly number[]) => number;
  nLayer?: number;
  nCtxTrain?: number;
  /** Progress values modelLoad reports, in order. Default [0, 0.5, 1]. */
  loadProgress?: number[];
  /** Called before each layer of each eval (tests abort or dispose from here). */
  onLayer?: (at: { call: number; layer: number; session: FakeSession }) => void;
}

function nativeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One logged eval call. */
export interface EvalLog {
  session: number;
  tokens: number[];
  options: NativeEvalOptions;
  outcome: 'ok' | 'cancelled' | 'busy';
}

export class FakeSession implements NativeSession {
  history: number[] = [];
  disposed = false;
  private busy = false;

  constructor(
    readonly id: number,
    private readonly binding: FakeBinding,
    readonly options: NativeSessionOptions,
  ) {}

  async eval(tokens: Int32Array, options: NativeEvalOptions, abort?: NativeAbort): Promise<NativeEvalResult> {
    if (this.disposed) throw nativeError('DISPOSED', 'session has been disposed');
    const log: EvalLog = { session: this.id, tokens: [...tokens], options, outcome: 'busy' };
    this.binding.evals.push(log);
    if (this.busy) throw nativeError('BUSY', 'an eval of this session is running');
    this.busy = true;
    try {
      const call = this.binding.evals.length - 1;
      for (let layer = 0; layer < this.binding.nLayer; layer++) {
        await tick();
        this.binding.spec.onLayer?.({ call, layer, session: this });
        if (abort?.aborted) {
          log.outcome = 'cancelled';
          throw nativeError('CANCELLED', 'cancelled');
        }
      }
      const qStart = this.history.length;
      this.history.push(...tokens);
      log.outcome = 'ok';
      return this.result(qStart, tokens.length, options);
    } finally {
      this.busy = false;
    }
  }

  private result(qStart: number, qLen: number, options: NativeEvalOptions): NativeEvalResult {
    const logits = this.binding.logitsAfter(this.history);
    const out: NativeEvalResult = { ms: 0 };
    if (options.logits === 'last') out.logits = logits;
    if (options.sample) out.token = this.binding.sample(logits, options.sample);
    if (options.trace && this.options.attention === 'infllm') out.trace = this.binding.trace(this.options, qStart, qLen);
    return out;
  }

  nPast(): number {
    if (this.disposed) throw nativeError('DISPOSED', 'session has been disposed');
    return this.history.length;
  }

  fork(): NativeSession {
    if (this.disposed) throw nativeError('DISPOSED', 'session has been disposed');
    if (this.busy) throw nativeError('BUSY', 'an eval of this session is running');
    const s = this.binding.newSession(this.options);
    s.history = [...this.history];
    return s;
  }

  clear(): void {
    if (this.disposed) throw nativeError('DISPOSED', 'session has been disposed');
    if (this.busy) throw nativeError('BUSY', 'an eval of this session is running');
    this.history = [];
  }

  stats() {
    if (this.disposed) throw nativeError('DISPOSED', 'session has been disposed');
    if (this.busy) throw nativeError('BUSY', 'an eval of this session is running');
    return { nTokens: this.history.length, nBlocks: 0, initLen: 0, bytesResident: this.history.length * 16, bytesMapped: 0 };
  }

  /** Records the history under `dir` in binding.saved (InfLLM sessions only, like the addon). */
  async save(dir: string): Promise<NativeSaveResult> {
    if (this.disposed) throw nativeError('DISPOSED', 'session has been disposed');
    if (this.options.attention !== 'infllm') throw nativeError('INVALID_ARGUMENT', 'InfLLM sessions only');
    await tick();
    this.binding.saved.set(dir, { history: [...this.history], options: this.options });
    return { dir, bytes: 100, files: 5, linkedFiles: 0, settingsHash: 'h'.repeat(64), nTokens: this.history.length, nBlocks: 0, ms: 1 };
  }

  async verify(): Promise<NativeVerifyResult> {
    if (this.disposed) throw nativeError('DISPOSED', 'session has been disposed');
    await tick();
    return { blocks: 0, bytes: 0, ms: 0 };
  }

  dispose(): void {
    if (this.busy) throw nativeError('BUSY', 'dispose while an eval runs');
    this.disposed = true;
  }
}

/** The fake binding; inspect `evals`, `sessions`, `models`, `samples` after a test. */
export class FakeBinding implements EngineBinding {
  readonly evals: EvalLog[] = [];
  readonly sessions: FakeSession[] = [];
  readonly samples: NativeSamplingParams[] = [];
  readonly modelsDisposed: number[] = [];
  /** Memories "saved" by FakeSession.save, by folder. */
  readonly saved = new Map<string, { history: number[]; options: NativeSessionOptions }>();
  /** Options of every openSession call. */
  readonly opened: NativeOpenOptions[] = [];
  readonly nLayer: number;
  private nextModel = 0;

  constructor(readonly spec: FakeSpec = {}) {
    this.nLayer = spec.nLayer ?? 4;
  }

  createAbort(): NativeAbort {
    let aborted = false;
    return {
      abort: () => {
        aborted = true;
      },
      get aborted() {
        return aborted;
      },
    };
  }

  async ggufRead(path: string): Promise<GgufFileInfo> {
    await tick();
    if (path !== FAKE_PATH) throw nativeError('FILE_NOT_FOUND', `no such file: ${path}`);
    return { path, version: 3, fileSize: 1000, alignment: 32, dataOffset: 0, metadata: fakeMetadata(), metadataTypes: {}, tensors: [] };
  }

  async modelLoad(path: string, options: NativeModelLoadOptions = {}, abort?: NativeAbort): Promise<NativeModel> {
    for (const f of this.spec.loadProgress ?? [0, 0.5, 1]) {
      await tick();
      if (abort?.aborted) throw nativeError('CANCELLED', 'load cancelled');
      options.onProgress?.(f);
    }
    const id = this.nextModel++;
    let disposed = false;
    const info: NativeModelInfo = {
      architecture: 'llama', nVocab: N_VOCAB, nCtxTrain: this.spec.nCtxTrain ?? 64, nEmbd: 8, nLayer: this.nLayer, nHead: 2, nHeadKv: 2,
      headDim: 4, nFf: 16, ropeFreqBase: 10000, ropeNeox: false, rmsEps: 1e-5, tiedEmbeddings: false, weightBytes: 1234,
      tensorTypes: { F32: 3 }, fingerprint: 'f'.repeat(16), memoryFormat: 2, threads: options.threads ?? 1, numerics: options.numerics ?? 'fast',
    };
    const check = () => {
      if (disposed) throw nativeError('DISPOSED', 'model has been disposed');
    };
    return {
      info: () => (check(), info),
      createSession: (o) => (check(), this.newSession(o)),
      openSession: async (dir, o) => {
        check();
        await tick();
        this.opened.push(o);
        const m = this.saved.get(dir);
        if (!m) throw nativeError('FILE_NOT_FOUND', `no saved memory at ${dir}`);
        const s = this.newSession({ attention: 'infllm', infllm: o.infllm });
        s.history = [...m.history];
        return s;
      },
      dispose: () => {
        if (!disposed) this.modelsDisposed.push(id);
        disposed = true;
      },
    };
  }

  /** @internal */
  newSession(options: NativeSessionOptions): FakeSession {
    const s = new FakeSession(this.sessions.length, this, options);
    this.sessions.push(s);
    return s;
  }

  /** The fake model's logits after `history`: 5 for the rule's token, -(id mod 7) / 10 elsewhere. */
  logitsAfter(history: readonly number[]): Float32Array {
    const best = (this.spec.next ?? (() => wordId('▁a')))(history);
    const logits = new Float32Array(N_VOCAB);
    for (let v = 0; v < N_VOCAB; v++) logits[v] = v === best ? 5 : -(v % 7) / 10;
    return logits;
  }

  /** Greedy: the argmax; otherwise a token picked by a hash of the seed (enough to test seeding). */
  sample(logits: Float32Array, p: NativeSamplingParams): number {
    this.samples.push(p);
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
    if (!p.temperature) return best;
    return FIRST_WORD + ((p.seed ?? 0) % WORDS.length);
  }

  /** One record per layer for the call's single chunk: the first min(topk, nBlocks) blocks. */
  trace(options: NativeSessionOptions, qStart: number, qLen: number): NativeRetrievalTrace {
    const s = options.attention === 'infllm' ? options.infllm ?? {} : {};
    const nBlocks = Math.max(0, Math.floor((qStart + qLen - (s.nInit ?? 128)) / (s.blockSize ?? 128)));
    const take = Math.min(s.topk ?? 16, nBlocks);
    const L = this.nLayer;
    const selOffsets = new Int32Array(L + 1);
    for (let l = 0; l <= L; l++) selOffsets[l] = l * take;
    const selected = new Int32Array(L * take);
    for (let i = 0; i < selected.length; i++) selected[i] = take - 1 - (i % take); // descending, as torch.topk
    return {
      layer: Int32Array.from({ length: L }, (_, l) => l),
      qStart: new Float64Array(L).fill(qStart),
      qLen: new Int32Array(L).fill(qLen),
      nBlocks: new Int32Array(L).fill(nBlocks),
      scored: new Uint8Array(L).fill(nBlocks > take ? 1 : 0),
      selOffsets,
      selected,
      scores: new Float32Array(L * take).fill(nBlocks > take ? 0.5 : NaN),
      initLen: new Float64Array(L).fill(Math.min(s.nInit ?? 128, qStart)),
      tailLen: new Float64Array(L),
    };
  }
}
