/**
 * What a document memory is for a given model: the prompt layout, the resolved InfLLM settings
 * (n_init defaults to the prompt prefix, so the initial tokens are exactly the prefix) and the
 * folder the memory lives in. Shared by the ingest job (which makes the memory) and ask (which
 * opens it), so both always agree on the folder.
 */
import { join } from 'node:path';
import { documentPrompt, type DocumentPrompt, type DocumentPromptOptions } from '../session/documentPrompt.js';
import { resolveInfllmSettings, type InfllmSettings } from '../session/infllmSettings.js';
import type { LibraryService } from './LibraryService.js';
import { MEMORY_SUBDIR, memoryKey, STAGING_SUFFIX, type MemoryLayout } from './memoryLayout.js';
import type { MemoryModel } from './memoryModel.js';

/** The prompt and settings of a document memory, and its folder name parts. */
export interface DocumentMemoryPlan {
  prompt: DocumentPrompt;
  settings: Required<InfllmSettings>;
  modelHash: string;
  configHash: string;
}

/** Options that decide a plan. */
export interface DocumentMemoryPlanOptions {
  /** InfLLM settings; absent fields take the paper's defaults, except nInit [the prompt prefix length]. */
  infllm?: InfllmSettings;
  /** Prompt layout options. */
  prompt?: DocumentPromptOptions;
}

/** The plan for `model`. @throws EngineError INVALID_ARGUMENT (settings, prompt), TEMPLATE_ERROR */
export function planDocumentMemory(model: MemoryModel, options: DocumentMemoryPlanOptions = {}): DocumentMemoryPlan {
  const prompt = documentPrompt(model.tokenizer, options.prompt);
  const given = options.infllm ?? {};
  const settings = resolveInfllmSettings({ ...given, nInit: given.nInit ?? prompt.prefix.length });
  const { modelHash, configHash } = memoryKey(model.info.fingerprint, model.info.memoryFormat, settings, prompt.key);
  return { prompt, settings, modelHash, configHash };
}

/** Folders of a document memory: final, staging (checkpoints) and the native memory inside each. */
export interface MemoryFolders {
  /** The finished memory (layout.json, tokens.bin, memory/). */
  dir: string;
  /** Where a running or interrupted job keeps its checkpoint. */
  staging: string;
}

/** The folders for document `id` under `plan`, or under `override` when given. */
export function memoryFolders(library: LibraryService, id: string, plan: DocumentMemoryPlan, override?: string): MemoryFolders {
  const dir = override ?? library.memoryDir(id, plan.modelHash, plan.configHash);
  return { dir, staging: dir + STAGING_SUFFIX };
}

/** The native memory folder inside a memory (or staging) folder. */
export function nativeMemoryDir(dir: string): string {
  return join(dir, MEMORY_SUBDIR);
}

/** True when a layout was made for this document, model and plan. */
export function layoutMatches(layout: MemoryLayout, plan: DocumentMemoryPlan, contentHash: string, fingerprint: string): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const { cache: _a, ...want } = plan.settings;
  const { cache: _b, ...have } = layout.settings;
  return (
    layout.contentHash === contentHash &&
    layout.modelFingerprint === fingerprint &&
    same(sorted(want), sorted(have)) &&
    same(layout.prompt, plan.prompt.key)
  );
}

function sorted(o: object): [string, unknown][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}
