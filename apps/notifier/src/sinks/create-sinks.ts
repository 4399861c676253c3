import type { SinksConfig } from './config.js';
import { resolveDeps, type SinkDeps } from './deps.js';
import { createSinkPolicy, type SinkPolicy } from './policy.js';
import { createSink, type SinkConfig } from './registry.js';
import type { Sink } from './sink.js';

/** A sink ready for the delivery loop, with its pacing policy and retry budget. */
export interface ConfiguredSink {
  id: string;
  kind: string;
  sink: Sink;
  /** Rate limit and digest: consult before each send (see SinkPolicy). */
  policy: SinkPolicy;
  /** Attempts before a dead-letter record; undefined = the delivery loop's default. */
  maxAttempts: number | undefined;
  config: SinkConfig;
}

/** Builds every enabled sink of the configuration (disabled ones are skipped). */
export function createSinks(
  config: SinksConfig,
  deps: SinkDeps = {},
): ConfiguredSink[] {
  const resolved = resolveDeps(deps);
  return config.sinks
    .filter(sinkConfig => sinkConfig.enabled)
    .map(sinkConfig => ({
      id: sinkConfig.id,
      kind: sinkConfig.kind,
      sink: createSink(sinkConfig, resolved),
      policy: createSinkPolicy(sinkConfig),
      maxAttempts: sinkConfig.maxAttempts,
      config: sinkConfig,
    }));
}
