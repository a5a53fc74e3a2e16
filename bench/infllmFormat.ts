/**
 * Formatting helpers of the "infllm" suite's Markdown, and the least-squares line used for the
 * prefill linearity check.
 */

/** A number with `d` decimals, '—' when missing or not finite. */
export const f = (x: number | undefined, d = 1): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
export const mib = (b: number): string => f(b / 2 ** 20, 0);
/** A token count: 4096 → "4K". */
export const k = (n: number): string => (n % 1024 === 0 ? `${n / 1024}K` : `${n}`);

/** Least-squares line through (x, y): slope, intercept, R², largest |residual| / y. */
export function linearFit(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number; maxRelResidual: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  const intercept = my - slope * mx;
  const res = ys.map((y, i) => y - (intercept + slope * xs[i]));
  const ssr = res.reduce((a, r) => a + r * r, 0);
  return { slope, intercept, r2: syy > 0 ? 1 - ssr / syy : NaN, maxRelResidual: Math.max(...res.map((r, i) => Math.abs(r) / ys[i])) };
}
