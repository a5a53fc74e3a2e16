/** Validation of SessionOptions into the resolved SessionConfig a session and its forks share. */
import { EngineError } from '../errors.js';
import { resolveInfllmSettings } from './infllmSettings.js';
import type { SessionConfig } from './SessionCore.js';
import type { SessionOptions } from './types.js';

/** Default of SessionOptions.maxCallTokens. */
export const DEFAULT_MAX_CALL_TOKENS = 512;

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message);
}

/**
 * Fills defaults (full attention, nCtx = nCtxTrain, paper InfLLM settings, 512-token calls) and
 * validates; throws EngineError INVALID_ARGUMENT naming the option.
 */
export function resolveSessionConfig(o: SessionOptions, nCtxTrain: number): SessionConfig {
  const known = ['attention', 'nCtx', 'infllm', 'maxCallTokens', 'storageDir'];
  for (const key of Object.keys(o)) if (!known.includes(key)) throw invalid(`unknown session option "${key}" (known: ${known.join(', ')})`);
  const attention = o.attention ?? 'full';
  if (attention !== 'full' && attention !== 'infllm') throw invalid(`attention must be 'full' or 'infllm' (got ${String(attention)})`);
  const maxCallTokens = o.maxCallTokens ?? DEFAULT_MAX_CALL_TOKENS;
  if (!Number.isInteger(maxCallTokens) || maxCallTokens < 1) throw invalid(`maxCallTokens must be an integer >= 1 (got ${String(o.maxCallTokens)})`);
  if (attention === 'infllm') {
    if (o.nCtx !== undefined) throw invalid('nCtx applies to full attention only (InfLLM sessions are unbounded)');
    const config: SessionConfig = { attention, infllm: resolveInfllmSettings(o.infllm), maxCallTokens };
    if (o.storageDir !== undefined) {
      if (typeof o.storageDir !== 'string' || o.storageDir === '') throw invalid('storageDir must be a non-empty folder path');
      config.storageDir = o.storageDir;
    }
    return config;
  }
  if (o.infllm !== undefined) throw invalid("infllm settings need attention: 'infllm'");
  if (o.storageDir !== undefined) throw invalid("storageDir needs attention: 'infllm'");
  const nCtx = o.nCtx ?? nCtxTrain;
  if (!Number.isInteger(nCtx) || nCtx < 1) throw invalid(`nCtx must be an integer >= 1 (got ${String(o.nCtx)})`);
  return { attention, nCtx, maxCallTokens };
}
