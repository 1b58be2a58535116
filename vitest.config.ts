import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'bin/**/*.test.ts',
            'client/**/*.test.ts',
            'ring/**/*.test.ts',
            'server/**/*.test.ts',
            'web/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          exclude: ['**/*.fuzz.test.ts', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        // The long fuzzers (convergence: 500 seeds; session frames: 100,000 cases; web API
        // routes: 10,000 requests): run by
        // `npm test` and CI, kept out of `npm run check` so that stays a fast loop.
        test: {
          name: 'fuzz',
          include: ['server/**/*.fuzz.test.ts', 'web/**/*.fuzz.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
