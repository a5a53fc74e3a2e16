/**
 * The passages an answer drew on: the InfLLM retrieval trace of the generated tokens aggregated
 * per memory block over tokens and layers (how often the block was selected, its mean score),
 * ranked, and turned into source passages with the document's TokenMap.
 */
import type { BlockSource, TokenMap } from '../ingest/tokenMap.js';
import type { RetrievalRecord } from './types.js';

/** How one block was retrieved while answering. */
export interface BlockRetrieval {
  block: number;
  /** Selections of the block over generated tokens × layers. */
  count: number;
  /** Mean relevance score over the scored selections (null when it was only taken unscored). */
  meanScore: number | null;
  /** Layers that selected it, ascending. */
  layers: number[];
}

/** A retrieved block with its source. */
export type RetrievedPassage = BlockRetrieval & BlockSource;

/** Default number of passages reported. */
export const DEFAULT_PASSAGES = 5;

/**
 * Aggregates per block; `records` holds one record list per generated token (TokenEvent.retrieval).
 * Sorted by count (descending), then mean score (descending, unscored last), then block id.
 */
export function aggregateRetrieval(records: readonly (readonly RetrievalRecord[])[]): BlockRetrieval[] {
  const acc = new Map<number, { count: number; sum: number; scored: number; layers: Set<number> }>();
  for (const tokenRecords of records) {
    for (const r of tokenRecords) {
      for (const b of r.blocks) {
        let a = acc.get(b.id);
        if (!a) acc.set(b.id, (a = { count: 0, sum: 0, scored: 0, layers: new Set() }));
        a.count++;
        a.layers.add(r.layer);
        if (b.score !== null) {
          a.sum += b.score;
          a.scored++;
        }
      }
    }
  }
  const out: BlockRetrieval[] = [...acc].map(([block, a]) => ({
    block,
    count: a.count,
    meanScore: a.scored > 0 ? a.sum / a.scored : null,
    layers: [...a.layers].sort((x, y) => x - y),
  }));
  const score = (s: number | null) => (s === null ? -Infinity : s);
  return out.sort((x, y) => y.count - x.count || score(y.meanScore) - score(x.meanScore) || x.block - y.block);
}

/** The `n` most retrieved blocks with their sources. */
export function retrievedPassages(records: readonly (readonly RetrievalRecord[])[], map: TokenMap, n = DEFAULT_PASSAGES): RetrievedPassage[] {
  return aggregateRetrieval(records)
    .slice(0, n)
    .map((r) => ({ ...map.blockSource(r.block), ...r }));
}
