/**
 * Special tokens on real vocabularies: parseSpecial on/off (ids documented in
 * ../shared/tokenizer-vectors/README.md), user-defined tokens, Phi-3's rstrip, BOS defaults and
 * end-of-generation tokens; chat prompts from a model's own template or its fallback.
 */
import { describe, expect, it } from 'vitest';
import { renderChatForModel } from '../../engine/model/chatTemplate.js';
import { loadTokenizerSync } from '../../engine/model/tokenizer/loadTokenizer.js';
import type { Tokenizer } from '../../engine/model/tokenizer/Tokenizer.js';
import { sharedPath } from '../helpers/shared.js';

const RAW = { addSpecial: false, parseSpecial: false };
const vocab = (name: string) => loadTokenizerSync(sharedPath('tokenizer-vectors', `ggml-vocab-${name}.gguf`));

describe('special tokens', () => {
  it('qwen2: control tokens become ids only with parseSpecial', () => {
    const tok = vocab('qwen2');
    const text = '<|im_start|>user\n你好<|im_end|>';
    // README: "with special-token parsing <|im_start|>user\n你好<|im_end|> gives 151644 872 198 108386 151645".
    expect(tok.encode(text)).toEqual([151644, 872, 198, 108386, 151645]);
    const plain = tok.encode(text, { parseSpecial: false });
    expect(plain).not.toContain(151644);
    expect(plain).not.toContain(151645);
    expect(tok.decode(plain)).toBe(text);
    expect(tok.decode([151644, 872])).toBe('<|im_start|>user');
    expect(tok.decode([151644, 872], { skipSpecial: true })).toBe('user');
    expect(tok.addBos).toBe(false);
    expect(tok.eot).toBe(151645);
    expect([151643, 151645].every((id) => tok.isEog(id))).toBe(true);
    expect(tok.isEog(151644)).toBe(false);
  });

  it('llama-bpe: adds BOS 128000 and parses header tokens; <|eot_id|> ends generation', () => {
    const tok = vocab('llama-bpe');
    // README: "Hello world" → 9906 1917, <|start_header_id|> → 128006, BOS 128000, add_bos_token true.
    expect(tok.encode('Hello world')).toEqual([128000, 9906, 1917]);
    expect(tok.encode('<|start_header_id|>')).toEqual([128000, 128006]);
    expect(tok.encode('<|start_header_id|>', RAW)).not.toContain(128006);
    expect(tok.eot).toBe(tok.tokenId('<|eot_id|>'));
    expect(tok.isEog(128001) && tok.isEog(tok.tokenId('<|eot_id|>') as number)).toBe(true);
    expect(tok.specialTokens.length).toBe(256);
  });

  it('phi-3: special tokens swallow the whitespace after them (rstrip)', () => {
    const tok = vocab('phi-3');
    const user = tok.tokenId('<|user|>') as number;
    const end = tok.tokenId('<|end|>') as number;
    const assistant = tok.tokenId('<|assistant|>') as number;
    const ids = tok.encode('<|user|>\nHi<|end|>\n<|assistant|>', { addSpecial: false });
    expect(ids).toEqual([user, ...tok.encode('Hi', RAW), end, assistant]);
    expect(ids).not.toContain(tok.tokenId('<0x0A>'));
    expect(tok.isEog(end)).toBe(true);
  });

  it('deepseek-coder: user-defined tokens are cut out even without parseSpecial', () => {
    const tok = vocab('deepseek-coder');
    const u = tok.tokenId('ü') as number;
    expect(tok.data.tokenTypes[u]).toBe(4);
    expect(tok.encode('Führer', RAW)).toContain(u);
  });

  it('renders chat prompts with the GGUF template or the fallback the vocabulary calls for', () => {
    const user = [{ role: 'user', content: 'Hi' }];
    // Phi-3's template (in its GGUF): bos_token + '<|user|>\n' + content + '<|end|>\n<|assistant|>\n'.
    const phi = vocab('phi-3');
    expect(renderChatForModel(phi, user)).toBe('<s><|user|>\nHi<|end|>\n<|assistant|>\n');
    // No template in these GGUFs: ChatML for the vocabulary with <|im_start|>, Llama-2 otherwise.
    expect(renderChatForModel(vocab('qwen2'), user)).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(renderChatForModel(vocab('llama-spm'), user)).toBe('<s>[INST] Hi [/INST]');
  });
});
