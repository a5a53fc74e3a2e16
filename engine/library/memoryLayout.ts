/**
 * What a document memory folder holds besides the native saved memory, and its key. A folder
 * `memories/<modelHash>-<configHash>/` (and its staging twin `<that>.partial/`) contains
 *   layout.json  — which document, model, InfLLM settings and prompt prefix the memory was made
 *                  with, the number of document tokens and the checksum of tokens.bin;
 *   tokens.bin   — [n] int32 document token ids, then [n] int32 UTF-16 start offsets (little-endian);
 *   memory/      — the InfLLM memory saved by the native engine (its own manifest and checksums).
 * The config hash covers everything that changes the memory's content (settings except `cache`,
 * prompt layout and prefix), so other settings give another folder instead of a mismatch.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic, type AtomicFs } from '../lifecycle/atomicWrite.js';
import type { InfllmSettings } from '../session/infllmSettings.js';
import { isRecord } from './documentRecord.js';

/** File and folder names inside a memory folder. */
export const LAYOUT_FILE = 'layout.json';
export const TOKENS_FILE = 'tokens.bin';
export const MEMORY_SUBDIR = 'memory';
/** Suffix of the staging folder next to a memory folder (holds checkpoints until the job ends). */
export const STAGING_SUFFIX = '.partial';

/** `format` of layout.json, and the newest schema this code reads. */
export const LAYOUT_FORMAT = 'infllm-reader-document-memory';
export const LAYOUT_SCHEMA = 1;
/** Hex characters of the model fingerprint and of the config hash used in folder names. */
const MODEL_HASH_CHARS = 32;
const CONFIG_HASH_CHARS = 24;
/** Settings that do not change a memory's content (not hashed). */
const NON_CONTENT_SETTINGS = new Set(['cache', 'storage', 'storageDir']);

/** The content of layout.json. */
export interface MemoryLayout {
  format: typeof LAYOUT_FORMAT;
  schema: number;
  documentId: string;
  /** The library entry's content hash ("sha256:…"). */
  contentHash: string;
  /** NativeModelInfo.fingerprint of the model. */
  modelFingerprint: string;
  /** Resolved InfLLM settings of the memory (nInit included). */
  settings: Required<InfllmSettings>;
  /** The document prompt layout (engine/session/documentPrompt.ts) and its prefix ids. */
  prompt: { version: number; style: 'chat' | 'plain'; prefix: number[] };
  /** Number of document tokens (tokens.bin holds 2 × this many int32). */
  documentTokens: number;
  /** UTF-16 length of the document text. */
  textLength: number;
  /** Hex SHA-256 of tokens.bin. */
  tokensSha256: string;
}

/** Document token ids and their start offsets. */
export interface DocumentTokens {
  /** [n] token ids. */
  ids: Int32Array;
  /** [n] UTF-16 start offsets. */
  offsets: Int32Array;
}

/**
 * `<modelHash>` and `<configHash>` of the memory folder name. The config hash covers the layout
 * schema, the engine's saved-memory format version (Model.info.memoryFormat), the settings and
 * the prompt, so a memory the engine would refuse to open is never reused: a new one is built.
 */
export function memoryKey(
  modelFingerprint: string,
  memoryFormat: number,
  settings: Required<InfllmSettings>,
  prompt: MemoryLayout['prompt'],
): { modelHash: string; configHash: string } {
  const content = Object.fromEntries(
    Object.entries(settings)
      .filter(([k]) => !NON_CONTENT_SETTINGS.has(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const text = JSON.stringify({ layout: LAYOUT_SCHEMA, memoryFormat, settings: content, prompt });
  const configHash = createHash('sha256').update(text).digest('hex').slice(0, CONFIG_HASH_CHARS);
  return { modelHash: modelFingerprint.toLowerCase().slice(0, MODEL_HASH_CHARS), configHash };
}

function checkEndianness(): void {
  // tokens.bin is little-endian; typed arrays use the platform's order (x86-64 and arm64 are LE).
  if (endianness() !== 'LE') throw new EngineError('INTERNAL', 'saved document memories need a little-endian CPU');
}

/** The bytes of tokens.bin: ids then offsets. */
export function encodeTokens(tokens: DocumentTokens): Uint8Array {
  checkEndianness();
  const n = tokens.ids.length;
  if (tokens.offsets.length !== n) throw new EngineError('INTERNAL', 'token ids and offsets differ in length');
  const all = new Int32Array(2 * n); // [2, n] int32: row 0 ids, row 1 offsets
  all.set(tokens.ids, 0);
  all.set(tokens.offsets, n);
  return new Uint8Array(all.buffer);
}

/** Hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes tokens.bin then layout.json into `dir` (each atomically; layout.json last, so a folder
 * whose layout.json names a checksum always has the tokens it describes).
 */
export async function writeLayout(dir: string, layout: MemoryLayout, bytes: Uint8Array, fs?: AtomicFs): Promise<void> {
  await writeFileAtomic(join(dir, TOKENS_FILE), bytes, { fs });
  await writeJsonAtomic(join(dir, LAYOUT_FILE), layout, { fs });
}

function corrupt(dir: string, what: string): EngineError {
  return new EngineError('MEMORY_CORRUPT', `the document memory in ${dir} is damaged: ${what}`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses and checks layout.json text. @throws EngineError MEMORY_CORRUPT, MEMORY_MISMATCH (newer schema) */
export function parseLayout(dir: string, text: string): MemoryLayout {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw corrupt(dir, `${LAYOUT_FILE} is not JSON`);
  }
  if (!isRecord(v) || v.format !== LAYOUT_FORMAT) throw corrupt(dir, `${LAYOUT_FILE} is not a document memory layout`);
  if (!isCount(v.schema) || v.schema > LAYOUT_SCHEMA) {
    throw new EngineError('MEMORY_MISMATCH', `the document memory in ${dir} has layout schema ${String(v.schema)}; this version reads up to ${LAYOUT_SCHEMA}`);
  }
  const p = v.prompt;
  const ok =
    typeof v.documentId === 'string' &&
    typeof v.contentHash === 'string' &&
    typeof v.modelFingerprint === 'string' &&
    isRecord(v.settings) &&
    isRecord(p) &&
    isCount(p.version) &&
    (p.style === 'chat' || p.style === 'plain') &&
    Array.isArray(p.prefix) &&
    p.prefix.every(isCount) &&
    isCount(v.documentTokens) &&
    isCount(v.textLength) &&
    typeof v.tokensSha256 === 'string';
  if (!ok) throw corrupt(dir, `${LAYOUT_FILE} has a missing or invalid field`);
  return v as unknown as MemoryLayout;
}

/**
 * Reads layout.json and tokens.bin of a memory (or staging) folder and checks them against each
 * other (size, checksum, offsets within the text).
 * @throws EngineError FILE_NOT_FOUND (no layout.json), MEMORY_CORRUPT, MEMORY_MISMATCH, IO_ERROR
 */
export async function readLayout(dir: string): Promise<{ layout: MemoryLayout; tokens: DocumentTokens }> {
  checkEndianness();
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new EngineError('FILE_NOT_FOUND', `${join(dir, name)} is missing`, { cause: err });
      throw new EngineError('IO_ERROR', `cannot read ${join(dir, name)}: ${(err as Error).message}`, { cause: err });
    }
  };
  const layout = parseLayout(dir, (await read(LAYOUT_FILE)).toString('utf8'));
  const bytes = await read(TOKENS_FILE).catch((err: EngineError) => {
    throw err.code === 'FILE_NOT_FOUND' ? corrupt(dir, `${TOKENS_FILE} is missing`) : err;
  });
  const n = layout.documentTokens;
  if (bytes.length !== 8 * n) throw corrupt(dir, `${TOKENS_FILE} has ${bytes.length} bytes, expected ${8 * n}`);
  if (sha256Hex(bytes) !== layout.tokensSha256) throw corrupt(dir, `${TOKENS_FILE} does not match its checksum`);
  const all = new Int32Array(2 * n); // copy: Buffer memory may be unaligned for Int32Array
  new Uint8Array(all.buffer).set(bytes);
  const tokens = { ids: all.subarray(0, n), offsets: all.subarray(n) };
  for (let i = 0; i < n; i++) {
    const o = tokens.offsets[i];
    if (o < 0 || o > layout.textLength || (i > 0 && o < tokens.offsets[i - 1])) throw corrupt(dir, `token offset ${i} is invalid`);
  }
  return { layout, tokens };
}
