/**
 * aggregateRetrieval / retrievedPassages on hand-made retrieval records: counts over tokens ×
 * layers, mean scores over scored selections only, ranking and ties, and passages carrying the
 * block's source from the TokenMap. Expected values are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import { TokenMap } from '../../engine/ingest/tokenMap.js';
import { aggregateRetrieval, retrievedPassages } from '../../engine/session/retrievedPassages.js';
import type { RetrievalRecord } from '../../engine/session/types.js';

function rec(layer: number, blocks: [number, number | null][]): RetrievalRecord {
  return { layer, qStart: 0, qLen: 1, nBlocks: 9, scored: blocks.some(([, s]) => s !== null), blocks: blocks.map(([id, score]) => ({ id, begin: 0, end: 0, score })), initLen: 0, tailLen: 0 };
}

// token 0: layer 0 → blocks 1 (0.5), 2 (0.25); layer 1 → 1 (1.0), 3 (unscored)
// token 1: layer 0 → 1 (0.0), 2 (0.75);        layer 1 → 4 (unscored)
// block 1: 3 selections, mean (0.5 + 1 + 0) / 3 = 0.5, layers 0,1
// block 2: 2 selections, mean (0.25 + 0.75) / 2 = 0.5, layer 0
// block 3: 1 selection, unscored; block 4: 1 selection, unscored (tie → lower id first)
const records: RetrievalRecord[][] = [
  [rec(0, [[1, 0.5], [2, 0.25]]), rec(1, [[1, 1.0], [3, null]])],
  [rec(0, [[1, 0.0], [2, 0.75]]), rec(1, [[4, null]])],
];

describe('aggregateRetrieval', () => {
  it('counts selections per block over tokens and layers and ranks them', () => {
    expect(aggregateRetrieval(records)).toEqual([
      { block: 1, count: 3, meanScore: 0.5, layers: [0, 1] },
      { block: 2, count: 2, meanScore: 0.5, layers: [0] },
      { block: 3, count: 1, meanScore: null, layers: [1] },
      { block: 4, count: 1, meanScore: null, layers: [1] },
    ]);
  });

  it('breaks count ties by mean score, unscored last', () => {
    const r = aggregateRetrieval([[rec(0, [[5, 0.1], [6, 0.9], [7, null]])]]);
    expect(r.map((x) => x.block)).toEqual([6, 5, 7]);
    expect(aggregateRetrieval([])).toEqual([]);
  });
});

describe('retrievedPassages', () => {
  it('returns the top n blocks with their sources', () => {
    // prefix of 2 tokens; document "aaaa bbbb cccc dddd" of 8 tokens, 2 tokens per word part
    const text = 'aaaa bbbb cccc dddd';
    const offsets = Int32Array.of(0, 2, 4, 7, 9, 12, 14, 17);
    const map = new TokenMap({ prefixLength: 2, offsets, nInit: 2, blockSize: 2 }, text, { segments: [{ kind: 'lines', start: 0, end: text.length, firstLine: 1 }] });
    const top = retrievedPassages(records, map, 2);
    expect(top).toHaveLength(2);
    // block 1 = stream [4, 6) = document tokens [2, 4) = characters [4, 9)
    expect(top[0]).toMatchObject({ block: 1, count: 3, tokenRange: { start: 4, end: 6 }, charRange: { start: 4, end: 9 }, text: ' bbbb', location: { label: 'line 1' } });
    // block 2 = document tokens [4, 6) = characters [9, 14)
    expect(top[1]).toMatchObject({ block: 2, count: 2, charRange: { start: 9, end: 14 }, text: ' cccc' });
    // block 4 lies after the document (stream [10, 12), document ends at 10)
    const all = retrievedPassages(records, map, 10);
    expect(all.find((p) => p.block === 4)).toMatchObject({ parts: { prefix: 0, document: 0, after: 2 }, charRange: null, text: '' });
  });
});
