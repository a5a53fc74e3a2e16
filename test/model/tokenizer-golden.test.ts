/**
 * Tokens and pieces of every case in ../shared/golden/*.golden.json and golden/synthetic/, which
 * llama.cpp produced with llama_tokenize(add_special = add_bos, parse_special = false) and
 * llama_token_to_piece(special = true).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizerSync } from '../../engine/model/tokenizer/loadTokenizer.js';
import type { Tokenizer } from '../../engine/model/tokenizer/Tokenizer.js';
import { sharedDir, sharedPath } from '../helpers/shared.js';

interface GoldenCase {
  id: string;
  prompt: string;
  add_bos: boolean;
  tokens: number[];
  token_pieces_hex: string[];
}
interface GoldenFile {
  model: { file: string; path_from_repo_root?: string };
  cases: GoldenCase[];
}

function goldenFiles(): { name: string; gguf: string; golden: GoldenFile }[] {
  const dir = join(sharedDir(), 'golden');
  const files = [
    ...readdirSync(dir).filter((f) => f.endsWith('.golden.json')),
    ...readdirSync(join(dir, 'synthetic'))
      .filter((f) => f.endsWith('.golden.json'))
      .map((f) => join('synthetic', f)),
  ];
  return files.map((f) => {
    const golden = JSON.parse(readFileSync(join(dir, f), 'utf8')) as GoldenFile;
    const sub = f.startsWith('synthetic') ? ['models', 'synthetic'] : ['models'];
    return { name: f, gguf: sharedPath(...sub, golden.model.file), golden };
  });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('tokenizer golden data', () => {
  const files = goldenFiles();

  it('covers both model files and all synthetic models', () => {
    expect(files.length).toBe(18);
  });

  for (const { name, gguf, golden } of files) {
    it(`${name}: tokens and pieces of every case, with and without BOS`, () => {
      const tok: Tokenizer = loadTokenizerSync(gguf);
      for (const c of golden.cases) {
        const ids = tok.encode(c.prompt, { addSpecial: c.add_bos, parseSpecial: false });
        expect(ids, c.id).toEqual(c.tokens);
        expect(ids.map((id) => hex(tok.tokenToPiece(id, { special: true }))), c.id).toEqual(c.token_pieces_hex);
        if (c.add_bos && !golden.cases.some((o) => o.prompt === c.prompt && !o.add_bos)) {
          // Synthetic files list only the BOS case. llama.cpp's SPM path treats the text the same
          // with or without BOS (BOS is simply prepended), so without BOS the ids are the rest.
          expect(tok.encode(c.prompt, { addSpecial: false, parseSpecial: false }), `${c.id} without BOS`).toEqual(c.tokens.slice(1));
        }
      }
    });
  }
});
