/** Public surface of document ingestion: extraction, source locations and their types. */
export { extract } from './extract.js';
export { DEFAULT_LIMITS, type ExtractLimits, type ExtractOptions } from './ExtractOptions.js';
export { locate, type SourceLocation } from './sourceMap.js';
export type { DocumentFormat, ExtractedDocument, ExtractProgress, SourceMap, SourceSegment } from './types.js';
