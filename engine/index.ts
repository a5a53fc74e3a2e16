/**
 * The engine's public surface: everything electron/ and other hosts import comes from here.
 * Models and sessions, their options and result types (plain data), and the typed errors.
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
