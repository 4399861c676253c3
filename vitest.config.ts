import { defineConfig } from 'vitest/config';

// One run over every project so the whole suite reports a single total.
export default defineConfig({
  test: {
    projects: ['apps/*/vitest.config.ts', 'libs/**/vitest.config.ts'],
    reporters: ['default', './tools/vitest/summary-reporter.ts'],
  },
});
