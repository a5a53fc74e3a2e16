/**
 * Worker part of the "infllm" suite: passkey retrieval accuracy of one attention method on
 * ../shared/passkey/passkey-tiny.gguf. Every prompt gets a fresh session and 5 greedy tokens, fed
 * like the official InfLLM driver (all prompt tokens but the last, then the last alone, then one
 * call per generated token: Session.generate with splitLast); correct = all 5 digits exact.
 * Prompts: generated ones (bench/infllmPasskeyPrompts.ts) at each length, and optionally the
 * official dev prompts (dev_512/2048/8192.json) as a check of the generator.
 */
import { Model } from '../engine/model/Model.js';
import type { SessionOptions } from '../engine/session/types.js';
import { note, timed } from './infllmCommon.js';
import { loadDevPrompts, loadPasskeyTemplate, passkeyPrompts, storyPool, type PasskeyPrompt } from './infllmPasskeyPrompts.js';

/** An attention method under test. */
export interface PasskeyMethod {
  name: string;
  /** How it is run, for the table. */
  description: string;
  session: SessionOptions;
}

export interface PasskeyTask {
  kind: 'passkey';
  model: string;
  threads: number;
  method: PasskeyMethod;
  /** Generated prompts: lengths and prompts per length. */
  lengths: number[];
  prompts: number;
  seed: number;
  /** Story pool (cached): the stories260K path and how many stories. */
  storyModel: string;
  poolSize: number;
  /** The template's dev file, and the dev files to score as they are (may be empty). */
  templateFile: string;
  devFiles: string[];
}

export interface PasskeyOutcome {
  id: string;
  depth: number;
  correct: boolean;
  generated: number[];
  ms: number;
}

export interface PasskeyRow {
  source: 'generated' | 'dev';
  length: number;
  n: number;
  correct: number;
  /** Accuracy at depth < 1/3, [1/3, 2/3), >= 2/3 of the filler (correct / n in each third). */
  byDepth: [number, number][];
  /** Mean wall ms per prompt (prefill + 5 tokens). */
  msPerPrompt: number;
  outcomes: PasskeyOutcome[];
}

export interface PasskeyResult {
  task: PasskeyTask;
  rows: PasskeyRow[];
}

async function score(model: Model, method: PasskeyMethod, prompt: PasskeyPrompt): Promise<PasskeyOutcome> {
  const nCtx = prompt.promptIds.length + 8;
  const options = method.session.attention === 'full' ? { ...method.session, nCtx } : method.session;
  const s = model.createSession(options);
  try {
    const t = await timed(() => s.generate(prompt.promptIds, { maxTokens: 5, splitLast: true, stopOnEog: false }));
    const ids = t.value.ids;
    const correct = ids.length === 5 && ids.every((id, i) => id === prompt.answerIds[i]);
    return { id: prompt.id, depth: prompt.depth, correct, generated: ids, ms: t.wallMs };
  } finally {
    await s.dispose();
  }
}

async function row(model: Model, method: PasskeyMethod, source: PasskeyRow['source'], length: number, prompts: PasskeyPrompt[]): Promise<PasskeyRow> {
  const outcomes: PasskeyOutcome[] = [];
  for (const p of prompts) outcomes.push(await score(model, method, p));
  const thirds: [number, number][] = [[0, 0], [0, 0], [0, 0]];
  for (const o of outcomes) {
    const k = Math.min(2, Math.floor(o.depth * 3));
    thirds[k][1]++;
    if (o.correct) thirds[k][0]++;
  }
  const correct = outcomes.filter((o) => o.correct).length;
  const msPerPrompt = outcomes.reduce((a, o) => a + o.ms, 0) / Math.max(1, outcomes.length);
  note(`passkey ${method.name} ${source} ${length}: ${correct}/${outcomes.length} (${(msPerPrompt / 1000).toFixed(1)} s/prompt)`);
  return { source, length, n: outcomes.length, correct, byDepth: thirds, msPerPrompt, outcomes };
}

/** Scores one method on the dev prompts and the generated prompts; see the file comment. */
export async function runPasskeyTask(task: PasskeyTask): Promise<PasskeyResult> {
  const pool = await storyPool(task.storyModel, task.poolSize, task.seed);
  const template = loadPasskeyTemplate(task.templateFile);
  const model = await Model.load(task.model, { threads: task.threads });
  const rows: PasskeyRow[] = [];
  try {
    for (const file of task.devFiles) {
      const prompts = loadDevPrompts(file);
      rows.push(await row(model, task.method, 'dev', prompts[0].promptIds.length, prompts));
    }
    for (const length of task.lengths) rows.push(await row(model, task.method, 'generated', length, passkeyPrompts(pool, template, length, task.prompts, task.seed)));
  } finally {
    await model.dispose();
  }
  return { task, rows };
}
