/**
 * Reads what a saved InfLLM memory holds, independent of how its files are cut: block segment
 * files (manifest entries with layer / firstBlock / nBlocks) are concatenated per layer in block
 * order, every other file is kept by name; manifest fields that say when or how it was written
 * (createdAt, engine version, file list, its own checksum) are left out. Two memories with equal
 * content give equal results, even when one was re-saved from an opened checkpoint (segments
 * linked, not rewritten). Contents are reported as SHA-256 digests plus sizes (deep-equality of
 * megabyte Buffers in vitest is very slow; equal digests mean equal bytes).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface ManifestFile {
  name: string;
  bytes: number;
  layer?: number;
  firstBlock?: number;
  nBlocks?: number;
}

/** The content of a saved memory folder. */
export interface MemoryContent {
  nTokens: number;
  nBlocks: number;
  settingsHash: string;
  /** layer → "<bytes>:<sha256>" of the concatenated block records of that layer. */
  blocks: Record<number, string>;
  /** Non-segment file name (manifest.json excluded) → "<bytes>:<sha256>". */
  files: Record<string, string>;
}

export function memoryContent(dir: string): MemoryContent {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    nTokens: number;
    nBlocks: number;
    settingsHash: string;
    files: ManifestFile[];
  };
  const segments = manifest.files.filter((f) => f.layer !== undefined).sort((a, b) => (a.layer as number) - (b.layer as number) || (a.firstBlock as number) - (b.firstBlock as number));
  const blocks = new Map<number, Buffer>();
  for (const s of segments) {
    const bytes = readFileSync(join(dir, s.name)).subarray(0, s.bytes);
    blocks.set(s.layer as number, Buffer.concat([blocks.get(s.layer as number) ?? Buffer.alloc(0), bytes]));
  }
  const files: Record<string, string> = {};
  for (const f of manifest.files) if (f.layer === undefined) files[f.name] = digest(readFileSync(join(dir, f.name)));
  // every file of the folder is in the manifest (nothing stray)
  const listed = new Set(['manifest.json', ...manifest.files.map((f) => f.name)]);
  for (const name of readdirSync(dir)) if (!listed.has(name)) throw new Error(`${dir}: ${name} is not in the manifest`);
  const layers = Object.fromEntries([...blocks].map(([layer, bytes]) => [layer, digest(bytes)]));
  return { nTokens: manifest.nTokens, nBlocks: manifest.nBlocks, settingsHash: manifest.settingsHash, blocks: layers, files };
}

function digest(bytes: Buffer): string {
  return `${bytes.length}:${createHash('sha256').update(bytes).digest('hex')}`;
}
