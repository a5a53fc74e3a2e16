// Session.generate over the fake binding: token order, text (UTF-8 and stop strings across token
// boundaries, checked against an independent detokenizer), stop reasons, logprobs, prefill call
// plans, pending tokens, retrieval traces, seeds and option validation.
import { describe, expect, it } from 'vitest';
import type { TokenEvent } from '../../engine/session/types.js';
import { byteIds, wordId } from '../helpers/fakeModelBinding.js';
import { expectedText, fakeModel, scripted } from '../helpers/fakeSession.js';

const w = wordId;
const EOS = 2;
const BOS = 1;

function collect(): { events: TokenEvent[]; onToken: (e: TokenEvent) => void } {
  const events: TokenEvent[] = [];
  return { events, onToken: (e) => events.push(e) };
}

describe('generate: order, text and stop reasons', () => {
  it('streams every token in order and stops at EOS without its text', async () => {
    const script = [w('▁world'), w(','), w('▁the'), w('▁end'), w('.'), EOS];
    const { model } = await fakeModel({ next: scripted(2, script) });
    const session = model.createSession();
    const { events, onToken } = collect();
    const r = await session.generate([BOS, w('▁Hello')], { maxTokens: 20, onToken });
    expect(r.ids).toEqual(script);
    expect(r.stopReason).toBe('eog');
    expect(r.text).toBe(' world, the end.');
    expect(r.text).toBe(expectedText(script.slice(0, -1)));
    expect(events.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.map((e) => e.id)).toEqual(script);
    expect(events[5].text).toBe('');
    expect(events.map((e) => e.text).join('')).toBe(r.text);
  });

  it('with stopOnEog false, EOS is an ordinary token and maxTokens ends the run', async () => {
    const script = [w('▁the'), EOS, w('▁end')];
    const { model } = await fakeModel({ next: scripted(1, script, w('.')) });
    const r = await model.createSession().generate([BOS], { maxTokens: 5, stopOnEog: false });
    expect(r.ids).toEqual([...script, w('.'), w('.')]);
    expect(r.stopReason).toBe('length');
    expect(r.text).toBe(expectedText(r.ids));
    expect(r.text).toContain('</s>');
  });

  it('never emits broken UTF-8: multi-byte characters split over byte tokens arrive whole', async () => {
    const script = [...byteIds('é'), w('▁a'), ...byteIds('🍎'), ...byteIds('日本'), w('!')];
    const { model } = await fakeModel({ next: scripted(1, script) });
    const { events, onToken } = collect();
    const r = await model.createSession().generate([BOS], { maxTokens: script.length, onToken });
    expect(r.text).toBe(expectedText(script));
    expect(r.text).toBe('é a🍎日本!');
    for (const e of events) expect(e.text).not.toContain('\uFFFD');
    // The first byte of é gives no text; the second gives the whole character.
    expect(events[0].text).toBe('');
    expect(events[1].text).toBe('é');
    expect(events.map((e) => e.text).join('')).toBe(r.text);
  });

  it('an unfinished character at the end becomes U+FFFD in the result, as decoding would give', async () => {
    const script = [w('▁a'), byteIds('🍎')[0]];
    const { model } = await fakeModel({ next: scripted(1, script) });
    const r = await model.createSession().generate([BOS], { maxTokens: 2 });
    expect(r.text).toBe(expectedText(script));
    expect(r.text).toBe(' a\uFFFD');
  });

  it('maxTokens 0 feeds the prompt and samples nothing', async () => {
    const { model, binding } = await fakeModel();
    const session = model.createSession();
    const r = await session.generate([BOS, w('▁a')], { maxTokens: 0 });
    expect(r).toMatchObject({ ids: [], text: '', stopReason: 'length' });
    expect(binding.evals.map((e) => e.options.sample)).toEqual([undefined]);
    expect(session.stats()).toMatchObject({ nPast: 2, pending: [] });
  });
});

describe('generate: stop strings across token boundaries', () => {
  it('holds back a possible start and cuts at the stop string', async () => {
    const script = [w('▁Hello'), w('▁ST'), w('OP'), w('▁world')];
    const { model } = await fakeModel({ next: scripted(1, script) });
    const { events, onToken } = collect();
    const r = await model.createSession().generate([BOS], { maxTokens: 10, stop: ['STOP'], onToken });
    expect(r.stopReason).toBe('stop');
    expect(r.ids).toEqual(script.slice(0, 3));
    expect(r.text).toBe(' Hello ');
    // " ST" could start "STOP": only the space is released with it.
    expect(events.map((e) => e.text)).toEqual([' Hello', ' ', '']);
  });

  it('releases held text when the candidate turns out not to be a stop string', async () => {
    const script = [w('▁ST'), w('▁the'), w('▁<'), w('END'), w('!')];
    const { model } = await fakeModel({ next: scripted(1, script) });
    const { events, onToken } = collect();
    const r = await model.createSession().generate([BOS], { maxTokens: 5, stop: ['STOP', '<END>'], onToken });
    expect(r.stopReason).toBe('length');
    expect(r.text).toBe(expectedText(script));
    expect(events.map((e) => e.text)).toEqual([' ', 'ST the', ' ', '', '<END!']);
  });

  it('matches a stop string spread over three tokens, and one made of byte tokens', async () => {
    const a = [w('▁a'), w('▁<'), w('END'), w('>'), w('▁the')];
    const { model: m1 } = await fakeModel({ next: scripted(1, a) });
    const r1 = await m1.createSession().generate([BOS], { maxTokens: 10, stop: ['<END>'] });
    expect(r1).toMatchObject({ text: ' a ', stopReason: 'stop', ids: a.slice(0, 4) });

    const b = [w('▁a'), ...byteIds('é'), w('!'), w('▁the')];
    const { model: m2 } = await fakeModel({ next: scripted(1, b) });
    const r2 = await m2.createSession().generate([BOS], { maxTokens: 10, stop: ['é!'] });
    expect(r2).toMatchObject({ text: ' a', stopReason: 'stop', ids: b.slice(0, 4) });
  });

  it('agrees with a whole-text reference on random token sequences', async () => {
    const alphabet = [w('▁ST'), w('OP'), w('▁<'), w('END'), w('>'), w('!'), w('b'), w('\n'), ...byteIds('é')];
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const stops = ['STOP', '<END>', '!b', 'é\n', 'OPOP'];
    for (let trial = 0; trial < 200; trial++) {
      const script = Array.from({ length: 1 + rand(12) }, () => alphabet[rand(alphabet.length)]);
      const { model } = await fakeModel({ next: scripted(1, script), nLayer: 1 });
      const { events, onToken } = collect();
      const r = await model.createSession().generate([BOS], { maxTokens: script.length, stop: stops, onToken });
      // Reference: decode everything, cut at the earliest stop string.
      const full = expectedText(script);
      const cuts = stops.map((s) => full.indexOf(s)).filter((i) => i >= 0);
      const cut = cuts.length > 0 ? Math.min(...cuts) : -1;
      // A stop string may end in the middle of the script; then the ids end at the token completing it.
      expect(r.text).toBe(cut >= 0 ? full.slice(0, cut) : full);
      expect(r.stopReason).toBe(cut >= 0 ? 'stop' : 'length');
      expect(events.map((e) => e.text).join('')).toBe(r.text);
      if (cut >= 0) {
        const before = expectedText(script.slice(0, r.ids.length - 1));
        expect(stops.some((s) => expectedText(r.ids).includes(s))).toBe(true);
        expect(stops.some((s) => before.includes(s))).toBe(false);
      }
    }
  });

  it('rejects empty stop strings', async () => {
    const { model } = await fakeModel();
    const s = model.createSession();
    await expect(() => s.generate([BOS], { stop: [''] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
