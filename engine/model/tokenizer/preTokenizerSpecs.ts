/**
 * The pre-tokenizer of each `tokenizer.ggml.pre` value llama.cpp knows (llm_tokenizer_bpe and
 * llama_vocab::impl::load at commit c392e50): the sequence of split regexes, written in
 * llama.cpp's regex dialect (\p{L}, \p{N}, \p{P} are collapsed categories, see preTokenize.ts),
 * and the vocabulary flags each pre type implies.
 */
import { EngineError } from '../../errors.js';

/** One pre-tokenizer: regexes applied in order, each splitting the pieces the previous left. */
export interface PreTokenizerSpec {
  regexes: string[];
  /** Detokenizer clean-up of spaces before punctuation (llama.cpp clean_spaces). */
  cleanSpaces: boolean;
  /** A pre-token that is itself a token is emitted without merging. */
  ignoreMerges: boolean;
  /** Add BOS by default (tokenizer.ggml.add_bos_token may override). */
  addBos: boolean;
  /** The vocabulary has no BOS token (chatglm). */
  noBos: boolean;
}

// Regex texts as llama.cpp spells them (these are the model tokenizers' own pre-tokenizer rules).
/** The GPT-2 regex (llama.cpp runs it with a hand-written splitter). */
export const GPT2 = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`;
/** The Llama-3 regex (llama.cpp runs it with a hand-written splitter). */
export const LLAMA3 = String.raw`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const QWEN2 = String.raw`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const CJK_HANGUL = String.raw`[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+`;
// DeepSeek LLM's cased-letter class, code point by code point as in its tokenizer.json.
const DEEPSEEK_LETTERS = String.raw`A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\u{10400}-\u{1044F}\u{104B0}-\u{104D3}\u{104D8}-\u{104FB}\u{10C80}-\u{10CB2}\u{10CC0}-\u{10CF2}\u{118A0}-\u{118DF}\u{1E900}-\u{1E943}`;
const BLOOM = String.raw` ?[^(\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+`;

const REGEXES = {
  default: [String.raw`[\p{P}\$\+<=>\^~\|]+`, GPT2, String.raw`\p{N}+`, '[0-9][0-9][0-9]'],
  gpt2: [GPT2],
  llama3: [LLAMA3],
  qwen2: [QWEN2],
  starcoder: [String.raw`\p{N}`, GPT2],
  falcon: [String.raw`[\p{P}\$\+<=>\^~\|` + '`' + ']+', GPT2, '[0-9][0-9][0-9]'],
  deepseekLlm: [
    '[\\r\\n]',
    String.raw`\s?[` + DEEPSEEK_LETTERS + ']+',
    String.raw`\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+`,
    String.raw`\s+$`,
    CJK_HANGUL,
    String.raw`\p{N}+`,
  ],
  deepseekCoder: ['[\\r\\n]', String.raw`\s?\p{L}+`, String.raw`\s?\p{P}+`, CJK_HANGUL, String.raw`\p{N}`],
  bloom: [BLOOM],
  viking: [BLOOM, String.raw`\p{N}`],
} satisfies Record<string, string[]>;

type Family = keyof typeof REGEXES;
interface Entry {
  family: Family;
  cleanSpaces?: boolean;
  ignoreMerges?: boolean;
  addBos?: boolean;
  noBos?: boolean;
}

const LLAMA3_ENTRY: Entry = { family: 'llama3', ignoreMerges: true, addBos: true };
const NO_CLEAN = { cleanSpaces: false };

/** tokenizer.ggml.pre → pre-tokenizer (names as llama.cpp c392e50 accepts them). */
const PRE_TYPES: Record<string, Entry> = {
  default: { family: 'default' },
  llama3: LLAMA3_ENTRY,
  'llama-v3': LLAMA3_ENTRY,
  'llama-bpe': LLAMA3_ENTRY,
  falcon3: LLAMA3_ENTRY,
  dbrx: { family: 'llama3' },
  'smaug-bpe': { family: 'llama3' },
  'chatglm-bpe': { family: 'llama3', noBos: true },
  'deepseek-llm': { family: 'deepseekLlm', ...NO_CLEAN },
  'deepseek-coder': { family: 'deepseekCoder', ...NO_CLEAN },
  falcon: { family: 'falcon' },
  mpt: { family: 'gpt2' },
  olmo: { family: 'gpt2' },
  'gpt-2': { family: 'gpt2' },
  'phi-2': { family: 'gpt2' },
  'jina-es': { family: 'gpt2' },
  'jina-de': { family: 'gpt2' },
  'jina-v2-es': { family: 'gpt2' },
  'jina-v2-de': { family: 'gpt2' },
  'jina-v2-code': { family: 'gpt2' },
  starcoder: { family: 'starcoder' },
  refact: { family: 'starcoder' },
  'command-r': { family: 'starcoder', ...NO_CLEAN },
  smollm: { family: 'starcoder', ...NO_CLEAN },
  codeshell: { family: 'starcoder' },
  exaone: { family: 'starcoder' },
  'minerva-7b': { family: 'starcoder' },
  qwen2: { family: 'qwen2', ...NO_CLEAN },
  'deepseek-r1-qwen': { family: 'qwen2', ...NO_CLEAN },
  stablelm2: { family: 'qwen2' },
  megrez: { family: 'qwen2' },
  'poro-chat': { family: 'bloom', ...NO_CLEAN },
  bloom: { family: 'bloom' },
  'gpt3-finnish': { family: 'bloom' },
  viking: { family: 'viking', ...NO_CLEAN },
};

/** The pre-tokenizer names this implementation accepts. */
export const SUPPORTED_PRE_TYPES: readonly string[] = Object.keys(PRE_TYPES);

/** The pre-tokenizer for `pre` ("default" when the GGUF has none). Throws TOKENIZER_ERROR for unknown names. */
export function preTokenizerSpec(pre: string): PreTokenizerSpec {
  const e = PRE_TYPES[pre];
  if (!e) {
    throw new EngineError('TOKENIZER_ERROR', `unknown pre-tokenizer type "${pre}" (supported: ${SUPPORTED_PRE_TYPES.join(', ')})`);
  }
  return {
    regexes: REGEXES[e.family],
    cleanSpaces: e.cleanSpaces ?? true,
    ignoreMerges: e.ignoreMerges ?? false,
    addBos: e.addBos ?? false,
    noBos: e.noBos ?? false,
  };
}

/** Only the vocabulary flags of {@link preTokenizerSpec}. */
export function preTokenizerFlags(pre: string): Omit<PreTokenizerSpec, 'regexes'> {
  const { regexes: _unused, ...flags } = preTokenizerSpec(pre);
  return flags;
}
