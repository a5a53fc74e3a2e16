/**
 * Passkey prompts of the same kind as ../shared/passkey/dev_*.json, at any length: BOS + filler
 * (stories sampled from stories260K with the engine, joined by newlines, cut to length) with the
 * passkey sentence (the dev files' template ids, five random digits) inserted at the sentence
 * boundary (after a "." token, or the very start) nearest to depth × filler length, then the
 * question ids. The story pool is sampled once (seeded) and cached as JSON in the bench cache.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Model } from '../engine/model/Model.js';
import { cacheDir } from './engine.js';
import { note, rng } from './infllmCommon.js';

/** The passkey sentence and question of the dev files. */
export interface PasskeyTemplate {
  /** Token ids with the strings "d1".."d5" where the digits go. */
  sentence: (number | string)[];
  question: number[];
  /** Token id of each digit 0..9. */
  digitIds: number[];
}

/** One prompt (dev file entries have the same fields, plus more). */
export interface PasskeyPrompt {
  id: string;
  depth: number;
  passkey: string;
  promptIds: number[];
  answerIds: number[];
  /** Index of the passkey sentence's first token in promptIds. */
  passkeyPos: number;
}

/** Bumped when the pool sampling changes, so a cached pool is rebuilt. */
const POOL_VERSION = 1;
const BOS = 1;
const EOS = 2;
const NEWLINE = 13; // <0x0A>, between stories (as in the dev files)
const PERIOD = 426; // "." in the stories260K vocabulary

interface DevFile {
  passkey_sentence_template_ids: (number | string)[];
  question_ids: number[];
  digit_token_ids: number[];
  prompts: { id: string; depth: number; passkey: string; answer_ids: number[]; passkey_sentence_pos: number; prompt_ids: number[] }[];
}

function readDev(path: string): DevFile {
  return JSON.parse(readFileSync(path, 'utf8')) as DevFile;
}

export function loadPasskeyTemplate(devPath: string): PasskeyTemplate {
  const d = readDev(devPath);
  return { sentence: d.passkey_sentence_template_ids, question: d.question_ids, digitIds: d.digit_token_ids };
}

/** The prompts of a dev file in this module's shape. */
export function loadDevPrompts(devPath: string): PasskeyPrompt[] {
  return readDev(devPath).prompts.map((p) => ({
    id: p.id, depth: p.depth, passkey: p.passkey, promptIds: p.prompt_ids, answerIds: p.answer_ids, passkeyPos: p.passkey_sentence_pos,
  }));
}

/**
 * `count` stories sampled from the stories260K model (BOS, then temperature 1 / top-p 0.9 with seed
 * `seed + i`, until BOS or EOS, at most 480 tokens; unfinished stories are dropped), cached.
 */
export async function storyPool(modelPath: string, count: number, seed: number): Promise<number[][]> {
  const path = join(cacheDir(), `passkey-stories.v${POOL_VERSION}.s${seed}.n${count}.json`);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as number[][];
  note(`sampling ${count} stories from ${modelPath} into ${path}…`);
  const model = await Model.load(modelPath, { threads: 1 });
  const stories: number[][] = [];
  try {
    for (let i = 0; stories.length < count; i++) {
      const s = model.createSession({ attention: 'full', nCtx: 512 });
      const r = await s.generate([BOS], { maxTokens: 480, stopOnEog: false, sampling: { temperature: 1, topP: 0.9, seed: seed + i } });
      await s.dispose();
      const end = r.ids.findIndex((t) => t === BOS || t === EOS);
      if (end > 0) stories.push(r.ids.slice(0, end));
    }
  } finally {
    await model.dispose();
  }
  writeFileSync(`${path}.tmp`, JSON.stringify(stories));
  renameSync(`${path}.tmp`, path);
  return stories;
}

/** Filler of exactly `n` tokens: pool stories in a seeded order, newline-separated, cut at n. */
function filler(pool: number[][], n: number, rand: () => number): number[] {
  const order = pool.map((_, i) => i);
  const out: number[] = [];
  for (let k = 0; out.length < n; k++) {
    if (k % order.length === 0) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    if (out.length > 0) out.push(NEWLINE);
    out.push(...pool[order[k % order.length]]);
  }
  return out.slice(0, n);
}

/** The sentence boundary of `f` (0, or just after a "." token) nearest to `target`. */
function nearestBoundary(f: number[], target: number): number {
  let best = 0;
  for (let i = 1; i <= f.length; i++) if (f[i - 1] === PERIOD && Math.abs(i - target) < Math.abs(best - target)) best = i;
  return best;
}

/**
 * A prompt of exactly `length` tokens with the passkey at relative `depth` of the filler.
 * Deterministic in (pool, template, length, depth, seed).
 */
export function makePasskeyPrompt(pool: number[][], t: PasskeyTemplate, o: { id: string; length: number; depth: number; seed: number }): PasskeyPrompt {
  const rand = rng(o.seed);
  const digits = Array.from({ length: 5 }, () => Math.floor(rand() * 10));
  const sentence = t.sentence.map((x) => (typeof x === 'number' ? x : t.digitIds[digits[Number(x.slice(1)) - 1]]));
  const n = o.length - 1 - sentence.length - t.question.length;
  if (n < 1) throw new Error(`passkey prompt length ${o.length} is too short`);
  const f = filler(pool, n, rand);
  const at = nearestBoundary(f, o.depth * n);
  return {
    id: o.id,
    depth: o.depth,
    passkey: digits.join(''),
    promptIds: [BOS, ...f.slice(0, at), ...sentence, ...f.slice(at), ...t.question],
    answerIds: digits.map((d) => t.digitIds[d]),
    passkeyPos: 1 + at,
  };
}

/** `count` prompts of one length, depths evenly spaced over [0, 1] like the dev files (i / (count - 1)). */
export function passkeyPrompts(pool: number[][], t: PasskeyTemplate, length: number, count: number, seed: number): PasskeyPrompt[] {
  return Array.from({ length: count }, (_, i) =>
    makePasskeyPrompt(pool, t, { id: `G${length}_${i}`, length, depth: count > 1 ? i / (count - 1) : 0.5, seed: seed * 1_000_003 + length * 131 + i }),
  );
}
