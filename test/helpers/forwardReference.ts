/**
 * A plain float64 forward pass of llama / qwen2 / qwen3 over the weights of a TinyModel (written
 * from the published model definitions, not from the engine): RMSNorm, q/k/v projections (+ qwen2
 * biases, + optional output bias), qwen3 per-head q/k RMSNorm, RoPE (normal pairs for llama, NEOX
 * for qwen; linear scaling; rope_freqs), causal grouped-query softmax attention with scale
 * 1/sqrt(head_dim), SwiGLU FFN, final norm and the (possibly tied) output head.
 */
import type { TinyModel } from './tinyModel.js';

type Vec = Float64Array;

function rmsNorm(x: Vec, w: Vec, eps: number): Vec {
  let ss = 0;
  for (const v of x) ss += v * v;
  const s = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * s * w[i]);
}

/** y = W x for W [nOut, nIn] row-major. */
function matVec(w: Vec, x: Vec, nOut: number): Vec {
  const nIn = x.length;
  const y = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let acc = 0;
    for (let k = 0; k < nIn; k++) acc += w[o * nIn + k] * x[k];
    y[o] = acc;
  }
  return y;
}

function rope(x: Vec, nHeads: number, m: TinyModel, pos: number, ff: Vec | undefined): void {
  const { headDim: d, ropeDims: n, ropeBase, freqScale } = m.spec;
  const neox = m.spec.arch !== 'llama';
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < n / 2; i++) {
      let theta = pos * freqScale * ropeBase ** ((-2 * i) / n);
      if (ff) theta /= ff[i];
      const [a, b] = neox ? [h * d + i, h * d + i + n / 2] : [h * d + 2 * i, h * d + 2 * i + 1];
      const xa = x[a], xb = x[b];
      x[a] = xa * Math.cos(theta) - xb * Math.sin(theta);
      x[b] = xa * Math.sin(theta) + xb * Math.cos(theta);
    }
  }
}

/** Logits [vocab] at every position of `tokens` (all evaluated as one causal sequence). */
export function referenceForward(m: TinyModel, tokens: number[]): Vec[] {
  const W = (name: string): Vec => {
    const v = m.weights.get(name);
    if (!v) throw new Error(`reference: no weight ${name}`);
    return v;
  };
  const { nEmbd: E, nHead: H, nHeadKv: Hkv, headDim: d, nFf: F, nVocab: V, rmsEps: eps } = m.spec;
  const ff = m.weights.get('rope_freqs.weight');
  const embd = W('token_embd.weight');
  let xs: Vec[] = tokens.map((t) => embd.slice(t * E, (t + 1) * E));
  for (let l = 0; l < m.spec.nLayer; l++) {
    const p = `blk.${l}.`;
    const K: Vec[] = [], Vv: Vec[] = [];
    const next: Vec[] = [];
    for (let t = 0; t < xs.length; t++) {
      const h = rmsNorm(xs[t], W(`${p}attn_norm.weight`), eps);
      const q = matVec(W(`${p}attn_q.weight`), h, H * d);
      const k = matVec(W(`${p}attn_k.weight`), h, Hkv * d);
      const v = matVec(W(`${p}attn_v.weight`), h, Hkv * d);
      if (m.spec.arch === 'qwen2') {
        const bq = W(`${p}attn_q.bias`), bk = W(`${p}attn_k.bias`), bv = W(`${p}attn_v.bias`);
        q.forEach((_, i) => (q[i] += bq[i]));
        k.forEach((_, i) => ((k[i] += bk[i]), (v[i] += bv[i])));
      }
      if (m.spec.arch === 'qwen3') {
        for (let hh = 0; hh < H; hh++) q.set(rmsNorm(q.subarray(hh * d, (hh + 1) * d), W(`${p}attn_q_norm.weight`), eps), hh * d);
        for (let hh = 0; hh < Hkv; hh++) k.set(rmsNorm(k.subarray(hh * d, (hh + 1) * d), W(`${p}attn_k_norm.weight`), eps), hh * d);
      }
      rope(q, H, m, t, ff);
      rope(k, Hkv, m, t, ff);
      K.push(k);
      Vv.push(v);
      const att = new Float64Array(H * d);
      for (let hh = 0; hh < H; hh++) {
        const kvh = Math.floor(hh / (H / Hkv));
        const s = K.map((kj) => {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[hh * d + c] * kj[kvh * d + c];
          return dot / Math.sqrt(d);
        });
        const mx = Math.max(...s);
        const e = s.map((x) => Math.exp(x - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < e.length; j++) for (let c = 0; c < d; c++) att[hh * d + c] += (e[j] / z) * Vv[j][kvh * d + c];
      }
      const o = matVec(W(`${p}attn_output.weight`), att, E);
      const bo = m.weights.get(`${p}attn_output.bias`);
      const x = xs[t].map((v0, i) => v0 + o[i] + (bo ? bo[i] : 0));
      const h2 = rmsNorm(x, W(`${p}ffn_norm.weight`), eps);
      const g = matVec(W(`${p}ffn_gate.weight`), h2, F);
      const u = matVec(W(`${p}ffn_up.weight`), h2, F);
      const a = g.map((gv, i) => (gv / (1 + Math.exp(-gv))) * u[i]);
      const down = matVec(W(`${p}ffn_down.weight`), a, E);
      next.push(x.map((v0, i) => v0 + down[i]));
    }
    xs = next;
  }
  const out = m.weights.get('output.weight') ?? embd;
  return xs.map((x) => matVec(out, rmsNorm(x, W('output_norm.weight'), eps), V));
}
