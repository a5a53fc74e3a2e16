/**
 * How a run of tokens is cut into model calls. Full attention: calls of at most `maxCall`
 * tokens. InfLLM: every call but the last is a multiple of the execution chunk, so execution
 * chunks (counted from each call's first token, infllm-spec.md §4) fall where one big call would
 * put them. `splitLast`: all tokens but the last as above, then the last one alone, like the
 * reference driver (InfLLM GreedySearch). `exact`: calls of exactly that many tokens (the last
 * one shorter), chunk alignment ignored — the reference driver's `chunk_size`.
 */
import { EngineError } from '../errors.js';

/** Options of {@link planCalls}. */
export interface CallPlanOptions {
  /** Largest call in tokens (≥ 1). */
  maxCall: number;
  /** InfLLM execution chunk; calls are multiples of it (at least one chunk). Absent: full attention. */
  chunk?: number;
  /** Feed the last token in a call of its own. Default false. */
  splitLast?: boolean;
  /** Calls of exactly this many tokens (≥ 1), overriding maxCall and chunk. Default: absent. */
  exact?: number;
}

/** Sizes of the successive calls that feed `n` tokens (empty for n = 0). */
export function planCalls(n: number, options: CallPlanOptions): number[] {
  const { maxCall, chunk, splitLast = false, exact } = options;
  if (!Number.isInteger(maxCall) || maxCall < 1) throw new EngineError('INVALID_ARGUMENT', `maxCallTokens must be an integer >= 1 (got ${maxCall})`);
  if (exact !== undefined && (!Number.isInteger(exact) || exact < 1)) {
    throw new EngineError('INVALID_ARGUMENT', `prefillCallTokens must be an integer >= 1 (got ${exact})`);
  }
  if (splitLast && n >= 2) return [...planCalls(n - 1, { maxCall, chunk, exact }), 1];
  const size = exact ?? (chunk ? Math.max(chunk, Math.floor(maxCall / chunk) * chunk) : maxCall);
  const calls: number[] = [];
  for (let left = n; left > 0; left -= size) calls.push(Math.min(size, left));
  return calls;
}
