import { basename } from 'node:path';

import { defaultServerConditions } from 'vite';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under this condition, so
// tests run against src without a build step.
const conditions = ['@kubeguard/source', ...defaultServerConditions];

/** Shared vitest settings for one project of the monorepo. */
export function defineProjectConfig(dir: string): UserWorkspaceConfig {
  return defineProject({
    root: dir,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      name: basename(dir),
      include: ['tests/**/*.test.ts'],
      environment: 'node',
      testTimeout: 30_000,
      hookTimeout: 120_000,
      // Integration tests start real servers: give them a clean process each.
      pool: 'forks',
      globalSetup: [
        new URL('./tools/vitest/global-setup.ts', import.meta.url).pathname,
      ],
    },
  });
}
