/**
 * Benchmark-only native exports (native/addon/addon-bench.cpp): `binding._testing.bench`. Used by
 * `npm run bench` (bench/infllm*.ts) and its tests; never by services.
 * @internal
 */
import type { NativeSession } from './ModelBinding.js';

export interface BenchTestingBinding {
  _testing: {
    bench: {
      /**
       * Makes `session` look as if it had consumed `nTokens` more tokens, without running the
       * model: seeded random raw keys/values (uniform in [-1, 1)) are stored through the memory's
       * own bookkeeping (InfLLM: initial tokens, blocks with representative vectors, local window;
       * full attention: its KV pages), and the token history gets seeded random ids. The cost of
       * later decode steps equals that after a real prefill of the same length; the session's
       * outputs are meaningless. Runs off the JS thread (the session is BUSY meanwhile); rejects
       * INVALID_ARGUMENT when the context cannot hold `nTokens` more (nothing is appended) or for
       * nTokens < 1, seed < 0.
       */
      fillSyntheticContext(session: NativeSession, nTokens: number, seed: number): Promise<{ nPast: number; ms: number }>;
    };
  };
}
