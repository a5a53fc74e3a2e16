import { defineConfig } from 'vitest/config';

// One config for every tier that runs in `npm test`: unit (no native), native (through the
// addon), model (tiny GGUFs from ../shared) and cli (spawns the built CLI from dist/).
// Forks, not threads: native addons and long numeric tests behave best in separate processes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
