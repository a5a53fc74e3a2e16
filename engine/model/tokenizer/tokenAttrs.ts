/**
 * Token types as GGUF stores them (tokenizer.ggml.token_type) and token attributes as llama.cpp
 * derives them (llama_token_attr bit flags), plus the per-model attribute fix-ups llama.cpp
 * applies at load time (EOT/EOM/EOG detection by token text, Phi-3 rstrip, Jina lstrip).
 */

/** GGUF token types (llama_token_type). */
export const TokenType = {
  UNDEFINED: 0,
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/** Token attribute bits (llama_token_attr). */
export const Attr = {
  UNDEFINED: 0,
  UNKNOWN: 1 << 0,
  UNUSED: 1 << 1,
  NORMAL: 1 << 2,
  CONTROL: 1 << 3,
  USER_DEFINED: 1 << 4,
  BYTE: 1 << 5,
  NORMALIZED: 1 << 6,
  LSTRIP: 1 << 7,
  RSTRIP: 1 << 8,
  SINGLE_WORD: 1 << 9,
} as const;

/** Attribute of a GGUF token type (unknown types are UNDEFINED, as in llama.cpp). */
export function attrOfType(type: number): number {
  switch (type) {
    case TokenType.UNKNOWN:
      return Attr.UNKNOWN;
    case TokenType.UNUSED:
      return Attr.UNUSED;
    case TokenType.NORMAL:
      return Attr.NORMAL;
    case TokenType.CONTROL:
      return Attr.CONTROL;
    case TokenType.USER_DEFINED:
      return Attr.USER_DEFINED;
    case TokenType.BYTE:
      return Attr.BYTE;
    default:
      return Attr.UNDEFINED;
  }
}

/** Token texts llama.cpp (c392e50) takes as the end-of-turn token when tokenizer.ggml.eot_token_id is absent, in priority order. */
export const EOT_TEXTS = [
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '<EOT>',
  '_<EOT>',
  '<｜end▁of▁sentence｜>',
];

/** Token texts llama.cpp (c392e50) treats as end of generation. */
export const EOG_TEXTS = [
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '<|eom_id|>',
  '<EOT>',
  '_<EOT>',
];

/** Special ids that llama.cpp may fill in from token texts. */
export interface DetectedIds {
  eot: number | null;
  eom: number | null;
}

/**
 * Applies llama.cpp's load-time fix-ups to `attrs` (mutated) and returns the EOG id set.
 * Tokens recognised by text become CONTROL; `eot`/`eom` are filled when absent.
 */
export function applyAttrFixups(
  tokenToId: ReadonlyMap<string, number>,
  attrs: Uint16Array,
  ids: DetectedIds & { eos: number | null },
  names: { modelName: string; pre: string },
): Set<number> {
  const markControl = (id: number) => {
    attrs[id] |= Attr.CONTROL;
  };
  if (ids.eot === null) {
    for (const text of EOT_TEXTS) {
      const id = tokenToId.get(text);
      if (id !== undefined) {
        ids.eot = id;
        markControl(id);
        break;
      }
    }
  }
  if (ids.eom === null) {
    const id = tokenToId.get('<|eom_id|>');
    if (id !== undefined) {
      ids.eom = id;
      markControl(id);
    }
  }
  const eog = new Set<number>();
  for (const text of EOG_TEXTS) {
    const id = tokenToId.get(text);
    if (id !== undefined) {
      eog.add(id);
      markControl(id);
    }
  }
  for (const id of [ids.eos, ids.eot, ids.eom]) if (id !== null) eog.add(id);

  const setAttr = (text: string, bit: number, on: boolean) => {
    const id = tokenToId.get(text);
    if (id !== undefined) attrs[id] = on ? attrs[id] | bit : attrs[id] & ~bit;
  };
  const model = names.modelName.toLowerCase();
  if (['jina-v2-de', 'jina-v2-es', 'jina-v2-code'].some((s) => names.pre.includes(s))) {
    setAttr('<mask>', Attr.LSTRIP, true);
  } else if (model.includes('phi-3') || model.includes('phi3')) {
    for (let id = 0; id < attrs.length; id++) {
      if (attrs[id] & (Attr.CONTROL | Attr.USER_DEFINED | Attr.UNKNOWN)) attrs[id] |= Attr.RSTRIP;
    }
    setAttr('</s>', Attr.RSTRIP, true);
    for (const t of ['<unk>', '<s>', '<|endoftext|>']) setAttr(t, Attr.RSTRIP, false);
  }
  return eog;
}
