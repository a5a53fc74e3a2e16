/**
 * The engine's public surface: everything electron/ and other hosts import comes from here.
 * Models and sessions, their options and result types (plain data), the typed errors, and
 * document memories (ingest job, ask, token/block ↔ source mapping).
 * Native handles never appear in these types.
 */
export { Model, type ModelLoadOptions, type ModelChatTemplate } from './model/Model.js';
export type { LoadedModelInfo } from './model/LoadedModelInfo.js';
export type { Tokenizer, EncodeOptions, EncodedText } from './model/tokenizer/Tokenizer.js';
export type { ChatMessage, FallbackStyle } from './model/chatTemplate.js';
export { Session } from './session/Session.js';
export type { TokenStream } from './session/TokenStream.js';
export type { SamplingOptions } from './session/sampling.js';
export { INFLLM_DEFAULTS, type InfllmSettings } from './session/infllmSettings.js';
export type {
  EvaluateOptions,
  EvaluateResult,
  GenerateOptions,
  GenerateResult,
  GenerateTimings,
  OpenSessionOptions,
  RetrievalRecord,
  SavedMemoryInfo,
  SessionOptions,
  SessionStats,
  StopReason,
  TokenEvent,
  TokenTimings,
} from './session/types.js';
export { EngineError, DisposedError, type EngineErrorCode } from './errors.js';
export { IngestJob, DEFAULT_MAX_DOCUMENT_TOKENS, type IngestJobOptions, type IngestResult } from './library/IngestJob.js';
export type { IngestPhase, IngestProgress } from './library/ingestProgress.js';
export { DocumentMemory, type AskOptions, type AskResult, type OpenDocumentMemoryOptions } from './session/DocumentMemory.js';
export type { BlockRetrieval, RetrievedPassage } from './session/retrievedPassages.js';
export { TokenMap, type BlockSource } from './ingest/tokenMap.js';
export { documentPrompt, type DocumentPrompt, type DocumentPromptOptions } from './session/documentPrompt.js';
export { defaultLibraryDir } from './library/defaultLibraryDir.js';
