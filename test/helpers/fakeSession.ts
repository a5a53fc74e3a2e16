/**
 * Helpers for session unit tests over the fake binding: load a fake model, a scripted "model"
 * (after the prompt it emits a fixed id sequence), and an independent detokenizer for the fake
 * vocabulary (raw pieces concatenated, then decoded as UTF-8), used as the expected text.
 */
import { Model } from '../../engine/model/Model.js';
import { BYTE0, FAKE_PATH, FakeBinding, FIRST_WORD, N_VOCAB, type FakeSpec } from './fakeModelBinding.js';
import { fakeMetadata } from './fakeModelBinding.js';

/** A fake binding and a model loaded through it. */
export async function fakeModel(spec: FakeSpec = {}): Promise<{ binding: FakeBinding; model: Model }> {
  const binding = new FakeBinding(spec);
  const model = await Model.load(FAKE_PATH, { binding });
  return { binding, model };
}

/** A next-token rule: after `promptLen` tokens, emit script[0], script[1], …, then `after`. */
export function scripted(promptLen: number, script: readonly number[], after = 2): (h: readonly number[]) => number {
  return (h) => script[h.length - promptLen] ?? after;
}

const tokens = fakeMetadata()['tokenizer.ggml.tokens'] as string[];

/** Raw bytes of a fake token's piece, written independently of the tokenizer. */
export function pieceBytes(id: number): Buffer {
  if (id < 0 || id >= N_VOCAB) throw new Error(`bad id ${id}`);
  if (id >= BYTE0 && id < FIRST_WORD) return Buffer.from([id - BYTE0]);
  return Buffer.from(tokens[id].replaceAll('\u2581', ' '), 'utf8');
}

/** The text of generated ids: pieces concatenated, decoded as UTF-8 (incomplete sequences → U+FFFD). */
export function expectedText(ids: readonly number[]): string {
  return Buffer.concat(ids.map(pieceBytes)).toString('utf8');
}
