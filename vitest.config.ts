import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['afferent-source'] },
  ssr: { resolve: { conditions: ['afferent-source'] } },
  test: {
    include: ['*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
  },
});
