/**
 * InfLLM settings as the engine API takes them: the paper's defaults (infllm-spec.md §1), the
 * same validation as the native core (native/src/infllm/ifl-infllm-settings.cpp) with messages
 * naming the field, the `--infllm k=v,...` syntax of the CLI, and the token range of a block.
 */
import { EngineError } from '../errors.js';

/** InfLLM block-memory settings (infllm-spec.md §1). Every field is optional; defaults in brackets. */
export interface InfllmSettings {
  /** Initial ("sink") tokens kept forever [128]. */
  nInit?: number;
  /** Local window: a query sees itself and nLocal − 1 older tokens [4096]. */
  nLocal?: number;
  /** Tokens per memory block [128]. */
  blockSize?: number;
  /** Blocks retrieved per execution chunk; 0 = no retrieval [16]. */
  topk?: number;
  /** Representative tokens per block and head [4]. */
  reprTopk?: number;
  /** Execution chunk (exc_block_size): queries that share one retrieval; ≤ nLocal [512]. */
  chunk?: number;
  /** Cached blocks of a GPU cache; ≥ topk [32]. */
  cache?: number;
  /** true: the reference code's prefill mask quirk (spec §2.5, issue #61) [false]. */
  compat?: boolean;
  /**
   * Element type of stored memory blocks ['f16']: 'f32' exact, 'f16' half the bytes, 'q8' int8 with
   * a float32 scale per token and kv head (about a quarter). The local window stays float32.
   */
  kvType?: 'f32' | 'f16' | 'q8';
}

/** The paper's settings, used for absent fields. */
export const INFLLM_DEFAULTS: Readonly<Required<InfllmSettings>> = Object.freeze({
  nInit: 128,
  nLocal: 4096,
  blockSize: 128,
  topk: 16,
  reprTopk: 4,
  chunk: 512,
  cache: 32,
  compat: false,
  kvType: 'f16',
});

/** Largest value of a size setting (keeps native allocations and int32 arithmetic sane). */
const MAX_SIZE = 1 << 24;

const INT_FIELDS = ['nInit', 'nLocal', 'blockSize', 'topk', 'reprTopk', 'chunk', 'cache'] as const;
const KV_TYPES: readonly string[] = ['f32', 'f16', 'q8'];

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message);
}

/**
 * Fills defaults and validates. Throws EngineError INVALID_ARGUMENT naming the field for unknown
 * keys, non-integers, out-of-range values and broken relations (reprTopk ≤ blockSize,
 * chunk ≤ nLocal, topk ≤ cache).
 */
export function resolveInfllmSettings(settings: InfllmSettings = {}): Required<InfllmSettings> {
  for (const key of Object.keys(settings)) {
    if (!(key in INFLLM_DEFAULTS)) throw invalid(`unknown InfLLM setting "${key}" (known: ${Object.keys(INFLLM_DEFAULTS).join(', ')})`);
  }
  const s = { ...INFLLM_DEFAULTS, ...stripUndefined(settings) };
  for (const f of INT_FIELDS) {
    const v = s[f];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`InfLLM setting ${f} must be an integer (got ${String(v)})`);
  }
  if (typeof s.compat !== 'boolean') throw invalid(`InfLLM setting compat must be a boolean (got ${String(s.compat)})`);
  if (!KV_TYPES.includes(s.kvType)) throw invalid(`InfLLM setting kvType must be one of ${KV_TYPES.join(', ')} (got ${String(s.kvType)})`);
  const range = (f: (typeof INT_FIELDS)[number], min: number, max: number) => {
    if (s[f] < min || s[f] > max) throw invalid(`InfLLM setting ${f} must be in [${min}, ${max}] (got ${s[f]})`);
  };
  range('nInit', 0, MAX_SIZE);
  range('nLocal', 1, MAX_SIZE);
  range('blockSize', 1, MAX_SIZE);
  range('topk', 0, MAX_SIZE);
  range('reprTopk', 1, MAX_SIZE);
  range('chunk', 1, MAX_SIZE);
  range('cache', 0, MAX_SIZE);
  const rel = (a: (typeof INT_FIELDS)[number], op: '<=' | '>=', b: (typeof INT_FIELDS)[number]) => {
    const ok = op === '<=' ? s[a] <= s[b] : s[a] >= s[b];
    if (!ok) throw invalid(`InfLLM setting ${a} (${s[a]}) must be ${op} ${b} (${s[b]})`);
  };
  rel('reprTopk', '<=', 'blockSize');
  rel('chunk', '<=', 'nLocal');
  rel('cache', '>=', 'topk');
  return s;
}

function stripUndefined(o: InfllmSettings): InfllmSettings {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as InfllmSettings;
}

/** CLI key → settings field (`--infllm n_init=…,n_local=…,block=…,topk=…,repr=…,chunk=…,cache=…,compat=0|1,kv=f32|f16|q8`). */
export const CLI_KEYS: Record<string, keyof InfllmSettings> = {
  n_init: 'nInit',
  n_local: 'nLocal',
  block: 'blockSize',
  topk: 'topk',
  repr: 'reprTopk',
  chunk: 'chunk',
  cache: 'cache',
  compat: 'compat',
  kv: 'kvType',
};

/**
 * Parses the CLI's `k=v,k=v` form (keys n_init, n_local, block, topk, repr, chunk, cache, compat, kv)
 * over `base` (then the paper defaults) and validates the result. Throws EngineError
 * INVALID_ARGUMENT with a message naming the key.
 */
export function parseInfllmSpec(spec: string, base: InfllmSettings = {}): Required<InfllmSettings> {
  const out: InfllmSettings = {};
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw invalid(`--infllm: "${part}" is not key=value (keys: ${Object.keys(CLI_KEYS).join(', ')})`);
    const key = part.slice(0, eq).trim();
    const text = part.slice(eq + 1).trim();
    const field = CLI_KEYS[key];
    if (!field) throw invalid(`--infllm: unknown key "${key}" (keys: ${Object.keys(CLI_KEYS).join(', ')})`);
    if (field in out) throw invalid(`--infllm: key "${key}" given twice`);
    if (field === 'kvType') {
      if (!KV_TYPES.includes(text)) throw invalid(`--infllm: kv must be one of ${KV_TYPES.join(', ')} (got "${text}")`);
      out.kvType = text as InfllmSettings['kvType'];
      continue;
    }
    if (!/^[0-9]+$/.test(text)) throw invalid(`--infllm: ${key} must be a non-negative integer (got "${text}")`);
    const value = Number(text);
    if (field === 'compat') {
      if (value !== 0 && value !== 1) throw invalid(`--infllm: compat must be 0 or 1 (got "${text}")`);
      out.compat = value === 1;
    } else {
      (out as Record<string, number>)[field] = value;
    }
  }
  try {
    return resolveInfllmSettings({ ...base, ...out });
  } catch (err) {
    throw invalid(`--infllm: ${(err as Error).message}`);
  }
}

/** Token positions [begin, end) held by memory block `block` (infllm-spec.md §2.2). */
export function infllmBlockRange(settings: Required<InfllmSettings>, block: number): [number, number] {
  const begin = settings.nInit + block * settings.blockSize;
  return [begin, begin + settings.blockSize];
}
