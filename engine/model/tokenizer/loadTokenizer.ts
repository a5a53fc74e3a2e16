/**
 * Entry points from a GGUF file or its metadata to a {@link Tokenizer} (the vocabulary is read
 * from the tokenizer.ggml.* keys; no tensor data is touched).
 */
import { readGguf, readGgufSync, type GgufMetadata } from '../gguf.js';
import { LlamaTokenizer, type Tokenizer } from './Tokenizer.js';
import { tokenizerDataFromMetadata } from './TokenizerData.js';

/** The tokenizer described by GGUF metadata. Throws EngineError BAD_METADATA / TOKENIZER_ERROR. */
export function tokenizerFromMetadata(md: GgufMetadata): Tokenizer {
  return new LlamaTokenizer(tokenizerDataFromMetadata(md));
}

/** Reads a GGUF file's metadata (off the JS thread) and builds its tokenizer. */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  return tokenizerFromMetadata((await readGguf(path)).metadata);
}

/** {@link loadTokenizer}, synchronously (CLI, tests). */
export function loadTokenizerSync(path: string): Tokenizer {
  return tokenizerFromMetadata(readGgufSync(path).metadata);
}
