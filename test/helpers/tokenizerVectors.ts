/**
 * llama.cpp's tokenizer test vectors (../shared/tokenizer-vectors): parsing of the .inp/.out pairs
 * (format as tests/test-tokenizer-0.cpp reads it) and the list of (vocabulary GGUF, vectors) pairs
 * whose GGUF is present, plus stories260K and llama-2-tiny-random (which shares llama-spm's vectors),
 * and the vocabularies that have no vectors.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir, sharedPath } from './shared.js';

/** One test: input text and the expected ids (add_special = false, parse_special = false). */
export interface VectorCase {
  text: string;
  ids: number[];
}

/** A vocabulary file and the vectors it must reproduce. */
export interface VectorSet {
  name: string;
  gguf: string;
  cases: VectorCase[];
}

const SEPARATOR = '\n__ggml_vocab_test__\n';

/** Reads X.inp / X.out: texts separated (and terminated) by the separator line; one line of " id id ..." per text. */
export function readVectors(inpPath: string, outPath: string): VectorCase[] {
  const raw = readFileSync(inpPath, 'utf8');
  const texts: string[] = [];
  for (let pos = 0; pos < raw.length; ) {
    const next = raw.indexOf(SEPARATOR, pos);
    if (next < 0) {
      texts.push(raw.slice(pos));
      break;
    }
    texts.push(raw.slice(pos, next));
    pos = next + SEPARATOR.length;
  }
  const lines = readFileSync(outPath, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== texts.length) throw new Error(`${inpPath}: ${texts.length} texts but ${lines.length} output lines`);
  return texts.map((text, i) => ({
    text,
    ids: lines[i].trim() === '' ? [] : lines[i].trim().split(' ').map((s) => Number.parseInt(s, 10)),
  }));
}

/** Every vector set that can run here. */
export function vectorSets(): VectorSet[] {
  const dir = join(sharedDir(), 'tokenizer-vectors');
  const sets: VectorSet[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.gguf.inp')) continue;
    const base = f.slice(0, -'.inp'.length);
    const out = join(dir, `${base}.out`);
    const gguf = base === 'stories260K.gguf' ? sharedPath('models', 'stories260K.gguf') : join(dir, base);
    if (!existsSync(gguf) || !existsSync(out)) continue;
    sets.push({ name: base.replace(/^ggml-vocab-|\.gguf$/g, ''), gguf, cases: readVectors(join(dir, f), out) });
  }
  const spm = sets.find((s) => s.name === 'llama-spm');
  if (spm) sets.push({ name: 'llama-2-tiny-random', gguf: sharedPath('models', 'llama-2-tiny-random.gguf'), cases: spm.cases });
  // No deepseek-r1-qwen GGUF exists; its vectors are for the same ordinary tokens and pre-tokenizer
  // as qwen2 (README: the .out files are byte-identical), so they run on the qwen2 vocabulary.
  const qwen = sets.find((s) => s.name === 'qwen2');
  const r1 = join(dir, 'ggml-vocab-deepseek-r1-qwen.gguf');
  if (qwen && existsSync(`${r1}.inp`)) sets.push({ name: 'deepseek-r1-qwen (qwen2 vocabulary)', gguf: qwen.gguf, cases: readVectors(`${r1}.inp`, `${r1}.out`) });
  return sets;
}

/** Vocabularies in ../shared/tokenizer-vectors that have no vectors of their own (baichuan, gpt-neox). */
export function vocabulariesWithoutVectors(): string[] {
  const dir = join(sharedDir(), 'tokenizer-vectors');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.gguf') && !existsSync(join(dir, `${f}.inp`)))
    .sort()
    .map((f) => join(dir, f));
}
