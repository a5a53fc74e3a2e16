/**
 * Plain float64 reference implementations for the attention-memory tests, written from
 * ../shared/design/infllm-spec.md (§2.2–2.10, pseudocode §2.10) and NOT from the C++ code:
 * - {@link InfllmReference}: InfLLM block memory, per layer, with the `compat` flag (§2.5);
 *   local branch with keys at relative positions 0..lenK-1 exactly as the spec describes;
 * - {@link distanceAttention}: causal attention where the RoPE distance of (p, j) is a function
 *   (identity = full attention; min(p-j, nLocal-1) = the clamped-distance oracle O2).
 * Everything is O(n^2) loops over Float64Arrays; sizes in tests are tiny.
 */
import type { MemoryLayout, RetrievalRecord } from '../../engine/binding/MemoryTestingBinding.js';
import type { NativeInfllmSettings } from '../../engine/binding/ModelBinding.js';

/** Shape of the layers (one layer's tensors are passed at a time); nDims: default headDim. */
export type RefLayout = Required<Pick<MemoryLayout, 'nHead' | 'nHeadKv' | 'headDim' | 'ropeBase' | 'neox'>> &
  Pick<MemoryLayout, 'nDims'>;

/** The settings the reference implements, every one given. */
export type RefSettings = Required<
  Pick<NativeInfllmSettings, 'nInit' | 'nLocal' | 'blockSize' | 'topk' | 'reprTopk' | 'chunk' | 'compat'>
>;

/** One layer's inputs for a call: q [n, nHead, headDim], k/v [n, nHeadKv, headDim]. */
export interface LayerInput {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
}

/** A retrieval decision as the native memory reports it (scores aside), plus what explains it. */
export interface RefRecord extends Omit<RetrievalRecord, 'scores'> {
  /** Relevance of every existing block (scored chunks only). */
  allScores: number[];
  /** k-th best minus (k+1)-th best relevance (Infinity when not scored). */
  margin: number;
}

/** Rotates head vector x[off .. off+headDim) in place by the RoPE angle of position `pos`. */
export function ropeRotate(x: Float64Array, off: number, pos: number, lay: RefLayout): void {
  const nDims = lay.nDims ?? lay.headDim;
  const half = nDims / 2;
  for (let i = 0; i < half; i++) {
    const theta = pos * Math.pow(lay.ropeBase, (-2 * i) / nDims);
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const ia = lay.neox ? off + i : off + 2 * i;
    const ib = lay.neox ? off + i + half : off + 2 * i + 1;
    const a = x[ia];
    const b = x[ib];
    x[ia] = a * c - b * s;
    x[ib] = a * s + b * c;
  }
}

/** Copy of one head vector, rotated at `pos`. */
function headAt(src: ArrayLike<number>, off: number, lay: RefLayout, pos: number): Float64Array {
  const x = Float64Array.from({ length: lay.headDim }, (_, c) => src[off + c]);
  ropeRotate(x, 0, pos, lay);
  return x;
}

function dot(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, n: number): number {
  let s = 0;
  for (let c = 0; c < n; c++) s += a[aOff + c] * b[bOff + c];
  return s;
}

/**
 * Probabilities of causal attention over n tokens where key j is seen by query p (j <= p) at
 * RoPE distance dist(p, j), or hidden when dist returns null: probs[p * nHead + h][j], j <= p.
 */
export function distanceProbs(lay: RefLayout, inp: LayerInput, dist: (p: number, j: number) => number | null): Float64Array[] {
  const { nHead: H, nHeadKv: Hkv, headDim: d } = lay;
  const g = H / Hkv;
  const n = inp.q.length / (H * d);
  const probs: Float64Array[] = [];
  for (let p = 0; p < n; p++)
    for (let h = 0; h < H; h++) {
      const logits = new Float64Array(p + 1).fill(-Infinity);
      for (let j = 0; j <= p; j++) {
        const dj = dist(p, j);
        if (dj === null) continue;
        const qr = headAt(inp.q, (p * H + h) * d, lay, dj);
        logits[j] = dot(qr, 0, inp.k, (j * Hkv + Math.floor(h / g)) * d, d) / Math.sqrt(d);
      }
      const m = Math.max(...logits);
      const w = logits.map((l) => Math.exp(l - m));
      const z = w.reduce((a, b) => a + b, 0);
      probs.push(w.map((x) => x / z));
    }
  return probs;
}

/** Causal attention with RoPE distance dist(p, j) (null hides the key); out [n, nHead, headDim]. */
export function distanceAttention(
  lay: RefLayout,
  inp: LayerInput,
  dist: (p: number, j: number) => number | null,
): Float64Array {
  const { nHead: H, nHeadKv: Hkv, headDim: d } = lay;
  const g = H / Hkv;
  const probs = distanceProbs(lay, inp, dist);
  const out = new Float64Array(probs.length * d);
  probs.forEach((pr, row) => {
    const h = row % H;
    pr.forEach((w, j) => {
      for (let c = 0; c < d; c++) out[row * d + c] += w * inp.v[(j * Hkv + Math.floor(h / g)) * d + c];
    });
  });
  return out;
}

/** Full causal attention with keys and queries at their absolute positions. */
export function causalAttention(lay: RefLayout, inp: LayerInput): Float64Array {
  return distanceAttention(lay, inp, (p, j) => p - j);
}

interface RefBlock {
  start: number;
  /** [nHead][blockSize] scores at creation. */
  scores: number[][];
  /** [nHead * headDim]. */
  repr: Float64Array;
}

/** State of one layer (every raw K/V is kept by position for simplicity). */
export class RefLayer {
  k: number[][] = []; // [pos][nHeadKv*headDim] raw
  v: number[][] = [];
  score: number[][] = []; // [pos][nHead] representative score (meaningful for rem tokens)
  initLen = 0;
  blocks: RefBlock[] = [];
  remStart = 0;
  remEnd = 0;

  clone(): RefLayer {
    const c = new RefLayer();
    c.k = this.k.map((r) => r.slice());
    c.v = this.v.map((r) => r.slice());
    c.score = this.score.map((r) => r.slice());
    c.initLen = this.initLen;
    c.blocks = this.blocks.map((b) => ({ start: b.start, scores: b.scores.map((r) => r.slice()), repr: b.repr.slice() }));
    c.remStart = this.remStart;
    c.remEnd = this.remEnd;
    return c;
  }
}

/** Largest-first order of `vals` with ties to the lowest index; returns the first `k` indices. */
export function topIndices(vals: number[], k: number): number[] {
  const idx = vals.map((_, i) => i);
  idx.sort((a, b) => (vals[b] !== vals[a] ? vals[b] - vals[a] : a - b));
  return idx.slice(0, k);
}

/** InfLLM memory, float64, per spec §2.10. */
export class InfllmReference {
  layers: RefLayer[];
  nPast = 0;

  constructor(
    readonly lay: RefLayout,
    readonly s: RefSettings,
    nLayer: number,
  ) {
    this.layers = Array.from({ length: nLayer }, () => new RefLayer());
  }

  clone(): InfllmReference {
    const c = new InfllmReference(this.lay, this.s, 0);
    c.layers = this.layers.map((l) => l.clone());
    c.nPast = this.nPast;
    return c;
  }

  /** One model call: inputs[il] for every layer. */
  call(inputs: LayerInput[]): { out: Float64Array[]; records: RefRecord[] } {
    const records: RefRecord[] = [];
    const out = inputs.map((inp, il) => this.callLayer(il, inp, records));
    this.nPast += inputs[0].q.length / (this.lay.nHead * this.lay.headDim);
    return { out, records };
  }

  private callLayer(il: number, inp: LayerInput, records: RefRecord[]): Float64Array {
    const { nHead: H, nHeadKv: Hkv, headDim: d } = this.lay;
    const L = this.layers[il];
    const n = inp.q.length / (H * d);
    const p0 = this.nPast;
    for (let t = 0; t < n; t++) {
      L.k.push(Array.from(inp.k.subarray(t * Hkv * d, (t + 1) * Hkv * d)));
      L.v.push(Array.from(inp.v.subarray(t * Hkv * d, (t + 1) * Hkv * d)));
      L.score.push(new Array(H).fill(0));
    }
    const out = new Float64Array(n * H * d);
    for (let a = p0; a < p0 + n; a += this.s.chunk) {
      const b = Math.min(a + this.s.chunk, p0 + n);
      this.chunk(il, L, inp, p0, a, b, out, records);
      this.appendGlobal(L, b);
    }
    return out;
  }

  /** Relevance of every block: sum over heads of <mean_i R_{nLocal-1} q_i, repr_b>. */
  private retrieve(il: number, L: RefLayer, inp: LayerInput, p0: number, a: number, b: number): RefRecord {
    const { nHead: H, headDim: d } = this.lay;
    const nb = L.blocks.length;
    const rec: RefRecord = { layer: il, qStart: a, qLen: b - a, nBlocks: nb, scored: false, selected: [], allScores: [], margin: Infinity };
    if (nb <= this.s.topk) {
      rec.selected = L.blocks.map((_, i) => i);
      return rec;
    }
    if (this.s.topk === 0) return rec;
    const qm = new Float64Array(H * d);
    for (let p = a; p < b; p++)
      for (let h = 0; h < H; h++) {
        const qr = headAt(inp.q, ((p - p0) * H + h) * d, this.lay, this.s.nLocal - 1);
        for (let c = 0; c < d; c++) qm[h * d + c] += qr[c] / (b - a);
      }
    rec.scored = true;
    rec.allScores = L.blocks.map((blk) => dot(qm, 0, blk.repr, 0, H * d));
    const order = topIndices(rec.allScores, nb);
    rec.selected = order.slice(0, this.s.topk).sort((x, y) => x - y);
    rec.margin = rec.allScores[order[this.s.topk - 1]] - rec.allScores[order[this.s.topk]];
    return rec;
  }

  private chunk(il: number, L: RefLayer, inp: LayerInput, p0: number, a: number, b: number, out: Float64Array, records: RefRecord[]): void {
    const { nHead: H, nHeadKv: Hkv, headDim: d } = this.lay;
    const g = H / Hkv;
    const { nLocal, blockSize: B } = this.s;
    const lq = b - a;
    // Local key slice: the last min(available, nLocal) keys before a, plus the chunk.
    const locStart = Math.max(0, a - nLocal);
    const lenK = b - locStart;
    const rec = this.retrieve(il, L, inp, p0, a, b);
    records.push(rec);
    // Global keys: [selected blocks | init | remainder tail], all un-rotated.
    const glob: number[] = [];
    for (const id of rec.selected) for (let t = 0; t < B; t++) glob.push(L.blocks[id].start + t);
    for (let t = 0; t < L.initLen; t++) glob.push(t);
    const tailFrom = glob.length;
    for (let pos = L.remStart; pos <= b - 1 - nLocal; pos++) glob.push(pos);
    const scale = 1 / Math.sqrt(d);
    for (let i = 0; i < lq; i++)
      for (let h = 0; h < H; h++) {
        const hk = Math.floor(h / g);
        const qOff = ((a - p0 + i) * H + h) * d;
        const qLoc = headAt(inp.q, qOff, this.lay, lenK - lq + i);
        const qGlob = headAt(inp.q, qOff, this.lay, nLocal - 1);
        const lg: number[] = []; // local logits (NaN = masked)
        for (let j = 0; j < lenK; j++) {
          const rel = i - j + lenK - lq;
          if (rel < 0 || rel >= nLocal) { lg.push(NaN); continue; }
          const kr = headAt(L.k[locStart + j], hk * d, this.lay, j);
          lg.push(dot(qLoc, 0, kr, 0, d) * scale);
        }
        const gg: number[] = glob.map((pos, t) => {
          const visible = t < tailFrom || this.s.compat || a + i - pos >= nLocal;
          return visible ? dot(qGlob, 0, L.k[pos], hk * d, d) * scale : NaN;
        });
        const all = [...lg, ...gg].filter((x) => !Number.isNaN(x));
        const m = Math.max(...all);
        const z = all.reduce((acc, x) => acc + Math.exp(x - m), 0);
        const o = qOff;
        lg.forEach((x, j) => {
          if (Number.isNaN(x)) return;
          const pr = Math.exp(x - m) / z;
          L.score[locStart + j][h] += pr;
          for (let c = 0; c < d; c++) out[o + c] += pr * L.v[locStart + j][hk * d + c];
        });
        gg.forEach((x, t) => {
          if (Number.isNaN(x)) return;
          const pr = Math.exp(x - m) / z;
          for (let c = 0; c < d; c++) out[o + c] += pr * L.v[glob[t]][hk * d + c];
        });
      }
  }

  /** Spec §2.2: after a chunk, move rem -> init, then cut full blocks. */
  private appendGlobal(L: RefLayer, chunkEnd: number): void {
    const { nInit, nLocal, blockSize: B } = this.s;
    L.remEnd = chunkEnd;
    let len = L.remEnd - L.remStart;
    if (L.initLen < nInit && len > nLocal) {
      const add = Math.min(nInit - L.initLen, len - nLocal);
      L.initLen += add;
      L.remStart += add;
      len -= add;
    }
    while (len - B >= nLocal) {
      L.blocks.push(this.makeBlock(L, L.remStart));
      L.remStart += B;
      len -= B;
    }
  }

  private makeBlock(L: RefLayer, start: number): RefBlock {
    const { nHead: H, nHeadKv: Hkv, headDim: d } = this.lay;
    const g = H / Hkv;
    const B = this.s.blockSize;
    const scores = Array.from({ length: H }, (_, h) => Array.from({ length: B }, (_, t) => L.score[start + t][h]));
    const repr = new Float64Array(H * d);
    for (let h = 0; h < H; h++)
      for (const t of topIndices(scores[h], this.s.reprTopk))
        for (let c = 0; c < d; c++) repr[h * d + c] += L.k[start + t][Math.floor(h / g) * d + c] / this.s.reprTopk;
    return { start, scores, repr };
  }
}
