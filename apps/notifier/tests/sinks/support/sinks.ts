import { expect } from 'vitest';

import {
  createSinks,
  parseSinksConfig,
  SinkError,
  type ConfiguredSink,
  type Sink,
  type SinkDeps,
} from '../../../src/sinks/index.js';

/** The sinks' clock in these tests. */
export const NOW = Date.parse('2025-03-01T12:00:00.000Z');

/** Deterministic dependencies. */
export function testDeps(overrides: SinkDeps = {}): SinkDeps {
  return {
    clock: () => NOW,
    productVersion: '9.9.9',
    hostname: 'notifier-0',
    cloudEventsSource: '/kubeguard/test',
    ...overrides,
  };
}

/** A sink built the way the notifier builds it: through the sinks file loader and the registry. */
export function configuredSink(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
  deps: SinkDeps = testDeps(),
): ConfiguredSink {
  const parsed = parseSinksConfig(
    JSON.stringify({ sinks: [config] }),
    'test-sinks.yaml',
    env,
  );
  const [sink] = createSinks(parsed, deps);
  if (!sink) {
    throw new Error('no sink created');
  }
  return sink;
}

/** {@link configuredSink}, just the sink. */
export function buildSink(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
  deps: SinkDeps = testDeps(),
): Sink {
  return configuredSink(config, env, deps).sink;
}

/** The SinkError a send rejects with. */
export async function sendError(promise: Promise<unknown>): Promise<SinkError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SinkError);
    return error as SinkError;
  }
  throw new Error('expected the send to fail');
}
