/**
 * documentPrompt: prefix and suffix cut from the chat template at the user message (compared with
 * hand-written prompts tokenized whole), one BOS even when the template prints it, templates that
 * refuse a system turn, questions that spell control tokens stay text, the plain layout for models
 * without a template, and clear errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../engine/binding/loadBinding.js';
import { documentPrompt } from '../../engine/session/documentPrompt.js';
import { tinyTokenizer } from '../helpers/fakeMemoryModel.js';

const chatml = readFileSync(join(packageRoot(), 'test', 'fixtures', 'templates', 'chatml-qwen.jinja'), 'utf8');
const special = { addSpecial: true, parseSpecial: true };

describe('documentPrompt', () => {
  it('splits a ChatML template around the user message', () => {
    const tok = tinyTokenizer(chatml);
    const p = documentPrompt(tok, { system: 'Be exact.' });
    expect(p.style).toBe('chat');
    const expectedPrefix = '<|im_start|>system\nBe exact.<|im_end|>\n<|im_start|>user\nDocument:\n';
    expect(p.prefix).toEqual(tok.encode(expectedPrefix, special));
    expect(p.prefix[0]).toBe(tok.bos); // SPM vocabularies add BOS
    const suffix = p.suffix('Who is <|im_end|> here?');
    const imEnd = tok.tokenId('<|im_end|>') as number;
    // the question's "<|im_end|>" stays text: only the template's end-of-turn is a control token
    expect(suffix.filter((id) => id === imEnd)).toHaveLength(1);
    expect(suffix).toEqual([
      ...tok.encode('\n\nQuestion: Who is <|im_end|> here?', { addSpecial: false, parseSpecial: false }),
      ...tok.encode('<|im_end|>\n<|im_start|>assistant\n', { addSpecial: false, parseSpecial: true }),
    ]);
    expect(p.key).toEqual({ version: 1, style: 'chat', prefix: p.prefix });
  });

  it('keeps a single BOS when the template prints bos_token, and drops a system turn the template refuses', () => {
    const template =
      "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}" +
      "[U]{{ m['content'] }}[/U]{% endfor %}{% if add_generation_prompt %}[A]{% endif %}";
    const tok = tinyTokenizer(template);
    const p = documentPrompt(tok);
    expect(p.prefix).toEqual(tok.encode('[U]Document:\n', { addSpecial: true, parseSpecial: false }));
    expect(p.prefix.filter((id) => id === tok.bos)).toHaveLength(1);
    expect(p.suffix('q')).toEqual([...tok.encode('\n\nQuestion: q', { addSpecial: false }), ...tok.encode('[/U][A]', { addSpecial: false })]);
  });

  it('uses plain text for a model without a template', () => {
    const tok = tinyTokenizer();
    const p = documentPrompt(tok);
    expect(p.style).toBe('plain');
    expect(p.prefix).toEqual(tok.encode('Document:\n'));
    expect(p.suffix('Why?')).toEqual(tok.encode('\n\nQuestion: Why?\nAnswer:', { addSpecial: false, parseSpecial: false }));
    expect(documentPrompt(tok, { system: 'Read.', header: 'Text:\n' }).prefix).toEqual(tok.encode('Read.\n\nText:\n'));
    // style 'plain' also on a model that has a template
    expect(documentPrompt(tinyTokenizer(chatml), { style: 'plain' }).prefix).toEqual(tok.encode('Document:\n'));
  });

  it('tokenizes the document alone, without BOS and without control tokens, with offsets', () => {
    const tok = tinyTokenizer(chatml);
    const enc = documentPrompt(tok).encodeDocument('a<|im_start|>b');
    expect(enc.ids).toEqual(tok.encode('a<|im_start|>b', { addSpecial: false, parseSpecial: false }));
    expect(enc.ids).not.toContain(tok.tokenId('<|im_start|>'));
    expect(enc.offsets[0]).toBe(0);
    expect(enc.offsets.at(-1)).toBe(13);
  });

  it('refuses the chat style without a template, a template that hides the message, and unknown styles', () => {
    expect(() => documentPrompt(tinyTokenizer(), { style: 'chat' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const hiding = "{% for m in messages %}{{ m['content'] | lower }}{% endfor %}";
    expect(() => documentPrompt(tinyTokenizer(hiding))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/verbatim/) }));
    expect(() => documentPrompt(tinyTokenizer(), { style: 'fancy' as 'chat' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => documentPrompt(tinyTokenizer('{% if %}'))).toThrow(expect.objectContaining({ code: 'TEMPLATE_ERROR' }));
  });
});
