/** Statistics of one logits row used by token events: log-probability of a token, top-k logits. */

/** ln softmax(logits)[id], computed in float64 with the max subtracted first. */
export function logprobOf(logits: Float32Array, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[id] - max - Math.log(sum);
}

/** The k highest logits, descending; ties go to the lower id; NaN never counts. */
export function topLogits(logits: Float32Array, k: number): { id: number; logit: number }[] {
  const top: { id: number; logit: number }[] = [];
  if (k <= 0) return top;
  for (let id = 0; id < logits.length; id++) {
    const logit = logits[id];
    if (Number.isNaN(logit)) continue;
    if (top.length === k && logit <= top[k - 1].logit) continue;
    let at = top.length;
    while (at > 0 && top[at - 1].logit < logit) at--;
    top.splice(at, 0, { id, logit });
    if (top.length > k) top.pop();
  }
  return top;
}
