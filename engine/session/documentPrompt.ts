/**
 * How a document and a question become one token stream. The stream is
 *   prefix   = BOS, system turn, start of the user turn, "Document:\n"      (ingested once)
 *   document = the extracted text, tokenized alone, no control tokens       (ingested once)
 *   suffix   = "\n\nQuestion: " + question, end of user turn, assistant header (per question)
 * With a chat template the prefix and the template part of the suffix come from rendering the
 * template with a sentinel user message and splitting at the sentinel; models without a template
 * (base models such as stories260K) get plain text. The prefix is what InfLLM keeps as its
 * initial tokens (the ingest job sets n_init to the prefix length unless told otherwise).
 */
import { EngineError } from '../errors.js';
import { renderChatForModel, type ChatMessage } from '../model/chatTemplate.js';
import { encodeWithOffsetsInWorker } from '../model/tokenizer/encodeInWorker.js';
import type { EncodedText, EncodeOptions, Tokenizer } from '../model/tokenizer/Tokenizer.js';

/** Version of this layout; saved memories are keyed by it (a change makes new memories). */
export const DOCUMENT_PROMPT_VERSION = 1;

/** Default system message of the chat layout. */
export const DEFAULT_SYSTEM_PROMPT = 'You answer questions about the document the user gives you. Use only the document.';
/** Default text between the start of the user turn and the document. */
export const DEFAULT_DOCUMENT_HEADER = 'Document:\n';
/** Text between the document and the question. */
export const QUESTION_LABEL = '\n\nQuestion: ';
/** Plain layout: what follows the question (the model continues after it). */
export const PLAIN_ANSWER_LABEL = '\nAnswer:';

/** Stands in for the user message while the template is rendered; never a real text. */
/** Document text is plain text: no BOS/EOS, control-token texts are not parsed. */
const DOCUMENT_ENCODING: EncodeOptions = { addSpecial: false, parseSpecial: false };
const SENTINEL = '\u2063INFLLM-READER-USER-MESSAGE\u2063';

/** Options of {@link documentPrompt}. */
export interface DocumentPromptOptions {
  /** 'chat': the model's chat template; 'plain': plain text; 'auto': chat when the model has a template ['auto']. */
  style?: 'auto' | 'chat' | 'plain';
  /** System message (chat layout; plain layout: a first paragraph) [DEFAULT_SYSTEM_PROMPT; plain: none]. */
  system?: string;
  /** Text right before the document [DEFAULT_DOCUMENT_HEADER]. */
  header?: string;
}

/** A resolved layout for one tokenizer. */
export interface DocumentPrompt {
  readonly style: 'chat' | 'plain';
  /** Token ids before the document (BOS included when the model adds one). */
  readonly prefix: readonly number[];
  /** Tokenizes document text: no BOS, control-token texts stay plain text; offsets per token. */
  encodeDocument(text: string): EncodedText;
  /** {@link encodeDocument} in a worker thread (long texts): the same result, cancellable by `signal`. */
  encodeDocumentAsync(text: string, signal?: AbortSignal): Promise<EncodedText>;
  /** Token ids after the document for `question` (question text never becomes control tokens). */
  suffix(question: string): number[];
  /** Everything that decides the prefix, as plain data (saved memories are keyed by it). */
  readonly key: { version: number; style: 'chat' | 'plain'; prefix: number[] };
}

/** The template split at the user message: text before it and after it (generation prompt included). */
function splitTemplate(tokenizer: Tokenizer, system: string | undefined): { before: string; after: string } | undefined {
  const tries: ChatMessage[][] = [];
  if (system) tries.push([{ role: 'system', content: system }, { role: 'user', content: SENTINEL }]);
  tries.push([{ role: 'user', content: SENTINEL }]); // templates that refuse a system turn
  let lastError: unknown;
  for (const messages of tries) {
    let text: string;
    try {
      text = renderChatForModel(tokenizer, messages, { addGenerationPrompt: true });
    } catch (err) {
      lastError = err;
      continue;
    }
    const at = text.indexOf(SENTINEL);
    if (at >= 0 && text.indexOf(SENTINEL, at + 1) < 0) return { before: text.slice(0, at), after: text.slice(at + SENTINEL.length) };
  }
  if (lastError) throw lastError;
  return undefined;
}

/** Ids of `text` with control tokens parsed and the model's BOS added once. */
function encodeTemplateStart(tokenizer: Tokenizer, text: string): number[] {
  const ids = tokenizer.encode(text, { addSpecial: true, parseSpecial: true });
  // A template that prints the BOS text already gave us one BOS.
  if (ids.length >= 2 && ids[0] === tokenizer.bos && ids[1] === tokenizer.bos) ids.shift();
  return ids;
}

const plainText = (tokenizer: Tokenizer, text: string): number[] => tokenizer.encode(text, { addSpecial: false, parseSpecial: false });

/**
 * The document prompt layout for a model's tokenizer.
 * @throws EngineError INVALID_ARGUMENT for style 'chat' on a model without a template or a
 *   template that does not show the user message verbatim; TEMPLATE_ERROR from the template
 */
export function documentPrompt(tokenizer: Tokenizer, options: DocumentPromptOptions = {}): DocumentPrompt {
  const { style = 'auto', header = DEFAULT_DOCUMENT_HEADER } = options;
  if (style !== 'auto' && style !== 'chat' && style !== 'plain') {
    throw new EngineError('INVALID_ARGUMENT', `style must be 'auto', 'chat' or 'plain' (got ${String(style)})`);
  }
  const useChat = style === 'chat' || (style === 'auto' && tokenizer.chatTemplate !== undefined);
  const encodeDocument = (text: string) => tokenizer.encodeWithOffsets(text, DOCUMENT_ENCODING);
  const encodeDocumentAsync = (text: string, signal?: AbortSignal) => encodeWithOffsetsInWorker(tokenizer, text, DOCUMENT_ENCODING, signal);
  if (useChat) {
    if (tokenizer.chatTemplate === undefined) throw new EngineError('INVALID_ARGUMENT', 'the model has no chat template (use the plain style)');
    const parts = splitTemplate(tokenizer, options.system ?? DEFAULT_SYSTEM_PROMPT);
    if (!parts) throw new EngineError('INVALID_ARGUMENT', "the model's chat template does not show the user message verbatim (use the plain style)");
    const prefix = encodeTemplateStart(tokenizer, parts.before + header);
    const tail = tokenizer.encode(parts.after, { addSpecial: false, parseSpecial: true });
    return {
      style: 'chat',
      prefix,
      encodeDocument,
      encodeDocumentAsync,
      suffix: (question) => [...plainText(tokenizer, QUESTION_LABEL + question), ...tail],
      key: { version: DOCUMENT_PROMPT_VERSION, style: 'chat', prefix: [...prefix] },
    };
  }
  const intro = options.system ? `${options.system}\n\n` : '';
  const prefix = tokenizer.encode(intro + header, { addSpecial: true, parseSpecial: false });
  return {
    style: 'plain',
    prefix,
    encodeDocument,
    encodeDocumentAsync,
    suffix: (question) => plainText(tokenizer, QUESTION_LABEL + question + PLAIN_ANSWER_LABEL),
    key: { version: DOCUMENT_PROMPT_VERSION, style: 'plain', prefix: [...prefix] },
  };
}
