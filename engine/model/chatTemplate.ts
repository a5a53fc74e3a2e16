/**
 * Chat prompts from a model's Jinja chat template (GGUF tokenizer.chat_template), rendered with
 * @huggingface/jinja and the variables Hugging Face templates expect (messages,
 * add_generation_prompt, bos_token, eos_token). Models without a template get a fallback picked
 * by the vocabulary: ChatML when it has <|im_start|>, otherwise the Llama-2 [INST] format.
 * Syntax and runtime errors (including the template's raise_exception) become EngineError
 * TEMPLATE_ERROR.
 */
import { Template } from '@huggingface/jinja';
import { EngineError } from '../errors.js';
import type { Tokenizer } from './tokenizer/Tokenizer.js';

/** One chat turn. */
export interface ChatMessage {
  /** "system", "user" or "assistant" (templates may accept others). */
  role: string;
  content: string;
}

/** The built-in templates used when a model has none. */
export type FallbackStyle = 'chatml' | 'llama2';

/** Options of {@link renderChat}. */
export interface RenderChatOptions {
  messages: readonly ChatMessage[];
  /** Append the header that starts the assistant's reply. Default true. */
  addGenerationPrompt?: boolean;
  /** Text of the BOS token (templates usually print it first). Default "". */
  bosToken?: string;
  /** Text of the EOS token. Default "". */
  eosToken?: string;
  /** Template used when `template` is undefined. Default "llama2". */
  fallback?: FallbackStyle;
  /** Further template variables (e.g. tools, date_string); they cannot override the ones above. */
  variables?: Record<string, unknown>;
}

/** Fallback templates (written for this project; formats as published by their model families). */
export const FALLBACK_TEMPLATES: Record<FallbackStyle, string> = {
  chatml:
    "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}" +
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
  llama2:
    "{%- if messages and messages[0]['role'] == 'system' %}{%- set system = messages[0]['content'] %}{%- set turns = messages[1:] %}" +
    '{%- else %}{%- set system = none %}{%- set turns = messages %}{%- endif %}' +
    "{%- for message in turns %}{%- if message['role'] == 'user' %}{{- bos_token + '[INST] ' }}" +
    "{%- if loop.first and system is not none %}{{- '<<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' }}{%- endif %}" +
    "{{- message['content'] + ' [/INST]' }}{%- elif message['role'] == 'assistant' %}{{- ' ' + message['content'] + ' ' + eos_token }}" +
    '{%- endif %}{%- endfor %}',
};

/** The fallback a vocabulary calls for: ChatML when it has the <|im_start|> token, else Llama-2. */
export function fallbackStyleFor(vocab: { tokenId(text: string): number | undefined }): FallbackStyle {
  return vocab.tokenId('<|im_start|>') !== undefined ? 'chatml' : 'llama2';
}

function templateError(what: string, err: unknown): EngineError {
  const msg = err instanceof Error ? err.message : String(err);
  return new EngineError('TEMPLATE_ERROR', `chat template ${what}: ${msg}`, { cause: err });
}

const compiled = new Map<string, Template>();

/** Parses a template (cached by its text). Throws TEMPLATE_ERROR on a syntax error. */
export function compileChatTemplate(template: string): Template {
  let t = compiled.get(template);
  if (!t) {
    try {
      t = new Template(template);
    } catch (err) {
      throw templateError('does not parse', err);
    }
    if (compiled.size > 32) compiled.clear();
    compiled.set(template, t);
  }
  return t;
}

/**
 * Renders a chat prompt.
 * @param template the model's Jinja template, or undefined to use `options.fallback`
 * @throws EngineError TEMPLATE_ERROR when the template does not parse or fails while rendering
 */
export function renderChat(template: string | undefined, options: RenderChatOptions): string {
  const { messages, addGenerationPrompt = true, bosToken = '', eosToken = '', fallback = 'llama2', variables = {} } = options;
  const t = compileChatTemplate(template ?? FALLBACK_TEMPLATES[fallback]);
  try {
    return t.render({
      ...variables,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: addGenerationPrompt,
      bos_token: bosToken,
      eos_token: eosToken,
    });
  } catch (err) {
    throw templateError('failed', err);
  }
}

/**
 * Renders a chat prompt for a model: its own template, or the fallback its vocabulary calls for,
 * with its BOS/EOS texts. Tokenize the result with parseSpecial so the markers become control tokens.
 */
export function renderChatForModel(
  tokenizer: Tokenizer,
  messages: readonly ChatMessage[],
  options: Pick<RenderChatOptions, 'addGenerationPrompt' | 'variables'> = {},
): string {
  return renderChat(tokenizer.chatTemplate, {
    ...options,
    messages,
    bosToken: tokenizer.bos !== null ? tokenizer.tokenText(tokenizer.bos) : '',
    eosToken: tokenizer.eos !== null ? tokenizer.tokenText(tokenizer.eos) : '',
    fallback: fallbackStyleFor(tokenizer),
  });
}
