/**
 * renderChat: the fixture templates in test/fixtures/templates (written for this project in the
 * style of Llama 3, Qwen2/ChatML and Mistral) against hand-written expected prompts, the built-in
 * fallbacks and their choice by vocabulary, and TEMPLATE_ERROR for broken templates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fallbackStyleFor, renderChat, type ChatMessage } from '../../engine/model/chatTemplate.js';
import { packageRoot } from '../../engine/binding/loadBinding.js';

const dir = join(packageRoot(), 'test', 'fixtures', 'templates');
const template = (name: string) => readFileSync(join(dir, name), 'utf8');

interface Case {
  name: string;
  template: string;
  bosToken: string;
  eosToken: string;
  addGenerationPrompt: boolean;
  messages: ChatMessage[];
  expected: string;
}
const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Case[];

describe('renderChat with fixture templates', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { messages, bosToken, eosToken, addGenerationPrompt } = c;
      expect(renderChat(template(c.template), { messages, bosToken, eosToken, addGenerationPrompt })).toBe(c.expected);
    });
  }

  it('turns raise_exception into TEMPLATE_ERROR with the template message', () => {
    const messages = [
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
    ];
    expect(() => renderChat(template('mistral.jinja'), { messages })).toThrow(
      expect.objectContaining({ code: 'TEMPLATE_ERROR', message: expect.stringContaining('Conversation roles must alternate') }),
    );
  });
});

describe('fallback templates', () => {
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!' },
    { role: 'user', content: 'Bye' },
  ];

  it('renders the Llama-2 format when the model has no template', () => {
    expect(renderChat(undefined, { messages, bosToken: '<s>', eosToken: '</s>' })).toBe(
      '<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST]',
    );
    expect(renderChat(undefined, { messages: messages.slice(1, 2), bosToken: '<s>' })).toBe('<s>[INST] Hi [/INST]');
  });

  it('renders ChatML', () => {
    expect(renderChat(undefined, { messages: messages.slice(0, 2), fallback: 'chatml' })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('picks ChatML for vocabularies with <|im_start|>, Llama-2 otherwise', () => {
    const vocab = (texts: string[]) => ({ tokenId: (t: string) => (texts.includes(t) ? texts.indexOf(t) : undefined) });
    expect(fallbackStyleFor(vocab(['<|im_start|>', '<|im_end|>']))).toBe('chatml');
    expect(fallbackStyleFor(vocab(['<s>', '</s>']))).toBe('llama2');
  });
});

describe('broken templates', () => {
  const messages = [{ role: 'user', content: 'x' }];
  it('report a syntax error as TEMPLATE_ERROR', () => {
    expect(() => renderChat('{% for m in messages %}{{ m.content }}', { messages })).toThrow(expect.objectContaining({ code: 'TEMPLATE_ERROR' }));
    expect(() => renderChat('{% if %}', { messages })).toThrow(expect.objectContaining({ code: 'TEMPLATE_ERROR' }));
  });
  it('report a failure while rendering as TEMPLATE_ERROR', () => {
    expect(() => renderChat('{{ messages[0].content | no_such_filter }}', { messages })).toThrow(
      expect.objectContaining({ code: 'TEMPLATE_ERROR' }),
    );
  });
});
