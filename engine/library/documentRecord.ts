/**
 * The on-disk record of a library entry (document.json): its schema version, file names, and
 * the validation that turns parsed JSON into a DocumentEntry or a reason why it cannot be used.
 */
import { EngineError } from '../errors.js';
import type { DocumentFormat } from '../ingest/types.js';
import type { DocumentEntry } from './types.js';

/** Version of document.json written by this code. Newer versions are refused per entry. */
export const DOCUMENT_SCHEMA = 1;
/** File names inside `<root>/documents/<id>/`. */
export const DOCUMENT_FILE = 'document.json';
export const TEXT_FILE = 'text.txt';
export const SOURCEMAP_FILE = 'sourcemap.json';
export const MEMORIES_DIR = 'memories';

/** A document id: the first 16 lowercase hex characters of the content hash. */
export const DOCUMENT_ID = /^[0-9a-f]{16}$/;

/** Every DocumentFormat, for validation. */
export const DOCUMENT_FORMATS: readonly DocumentFormat[] = ['pdf', 'epub', 'text', 'markdown', 'html', 'codebase'];
const HASH = /^sha256:[0-9a-f]{64}$/;
// Plain file names only: a record must never point outside its own folder.
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The id for a content hash "sha256:<hex>". */
export function idFromHash(contentHash: string): string {
  return contentHash.slice('sha256:'.length, 'sha256:'.length + 16);
}

/** LIBRARY_ERROR for an entry written by a newer app version: never overwritten or repaired. */
export class NewerSchemaError extends EngineError {
  override readonly name = 'NewerSchemaError';
  constructor(message: string) {
    super('LIBRARY_ERROR', message);
  }
}

/** A parsed JSON object (not null, not an array): what every library record file must hold. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIsoDate(v: unknown): v is string {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v));
}

function corrupt(id: string, what: string): EngineError {
  return new EngineError('LIBRARY_ERROR', `library entry ${id} is damaged: document.json ${what}`);
}

/** Checks the fields of a parsed document.json written with schema 1; throws LIBRARY_ERROR. */
function checkV1(id: string, r: Record<string, unknown>): DocumentEntry {
  if (r.id !== id) throw corrupt(id, `names id ${JSON.stringify(r.id)}, not its folder's`);
  if (typeof r.title !== 'string') throw corrupt(id, 'has no title');
  const s = r.source;
  if (
    !isRecord(s) ||
    typeof s.path !== 'string' ||
    (s.kind !== 'file' && s.kind !== 'folder') ||
    typeof s.size !== 'number' ||
    typeof s.mtimeMs !== 'number'
  ) {
    throw corrupt(id, 'has no valid source');
  }
  if (!DOCUMENT_FORMATS.includes(r.format as DocumentFormat)) throw corrupt(id, `has unknown format ${JSON.stringify(r.format)}`);
  if (typeof r.contentHash !== 'string' || !HASH.test(r.contentHash) || idFromHash(r.contentHash) !== id) {
    throw corrupt(id, 'has a content hash that does not match its id');
  }
  if (!isIsoDate(r.addedAt) || !isIsoDate(r.updatedAt)) throw corrupt(id, 'has invalid dates');
  if (!isRecord(r.stats) || !Object.values(r.stats).every((v) => typeof v === 'number')) throw corrupt(id, 'has invalid stats');
  if (!Array.isArray(r.warnings) || !r.warnings.every((w) => typeof w === 'string')) throw corrupt(id, 'has invalid warnings');
  for (const key of ['textFile', 'sourceMapFile'] as const) {
    const v = r[key];
    if (typeof v !== 'string' || !FILE_NAME.test(v)) throw corrupt(id, `has an invalid ${key}`);
  }
  return {
    schema: DOCUMENT_SCHEMA,
    id,
    title: r.title,
    source: { path: s.path, kind: s.kind, size: s.size, mtimeMs: s.mtimeMs },
    format: r.format as DocumentFormat,
    contentHash: r.contentHash,
    addedAt: r.addedAt,
    updatedAt: r.updatedAt,
    stats: r.stats as Record<string, number>,
    warnings: r.warnings as string[],
    textFile: r.textFile as string,
    sourceMapFile: r.sourceMapFile as string,
  };
}

/**
 * Parses the text of `<id>/document.json`.
 * @throws EngineError LIBRARY_ERROR: not JSON, a field missing or wrong, or a newer schema
 */
export function parseDocumentRecord(id: string, text: string): DocumentEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EngineError('LIBRARY_ERROR', `library entry ${id} is damaged: document.json is not valid JSON`, { cause: err });
  }
  if (!isRecord(parsed)) throw corrupt(id, 'is not an object');
  const schema = parsed.schema;
  if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < 1) throw corrupt(id, 'has no valid schema version');
  if (schema > DOCUMENT_SCHEMA) {
    throw new NewerSchemaError(
      `library entry ${id} was written by a newer version of InfLLM Reader (document schema ${schema}; ` +
        `this version reads up to ${DOCUMENT_SCHEMA}); update the app to open it`,
    );
  }
  return checkV1(id, parsed);
}

