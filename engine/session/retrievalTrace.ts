/**
 * Converts the native structure-of-arrays retrieval trace of one model call into records with
 * each selected block's token range, and picks the records that concern one position.
 */
import type { NativeRetrievalTrace } from '../binding/ModelBinding.js';
import type { RetrievalRecord } from './types.js';

/** Records of `trace` in execution order; `blockRange(b)` gives block b's positions [begin, end). */
export function retrievalRecords(trace: NativeRetrievalTrace, blockRange: (block: number) => [number, number]): RetrievalRecord[] {
  const out: RetrievalRecord[] = [];
  for (let i = 0; i < trace.layer.length; i++) {
    const blocks: RetrievalRecord['blocks'] = [];
    for (let j = trace.selOffsets[i]; j < trace.selOffsets[i + 1]; j++) {
      const id = trace.selected[j];
      const [begin, end] = blockRange(id);
      const score = trace.scores[j];
      blocks.push({ id, begin, end, score: Number.isNaN(score) ? null : score });
    }
    blocks.sort((a, b) => a.id - b.id);
    out.push({
      layer: trace.layer[i],
      qStart: trace.qStart[i],
      qLen: trace.qLen[i],
      nBlocks: trace.nBlocks[i],
      scored: trace.scored[i] === 1,
      blocks,
      initLen: trace.initLen[i],
      tailLen: trace.tailLen[i],
    });
  }
  return out;
}

/** The records whose chunk contains position `pos` (one per layer). */
export function recordsAt(records: readonly RetrievalRecord[], pos: number): RetrievalRecord[] {
  return records.filter((r) => r.qStart <= pos && pos < r.qStart + r.qLen);
}
