import { ConfigError, parseEnv, port } from '@kubeguard/config';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  deliverySettings,
  loadDeliveryConfig,
  withDeliveryConfig,
} from '../../src/delivery/config.js';

describe('delivery configuration', () => {
  it('has defaults that need no configuration', () => {
    const config = loadDeliveryConfig({});
    expect(config).toEqual({
      DELIVERY_MAX_ATTEMPTS: 10,
      DELIVERY_BACKOFF_BASE_MS: 1_000,
      DELIVERY_BACKOFF_MAX_MS: 300_000,
      DELIVERY_LEASE_MS: 60_000,
      DELIVERY_BATCH_SIZE: 20,
      DELIVERY_POLL_MS: 1_000,
      DELIVERY_RETENTION_HOURS: 168,
    });
    expect(deliverySettings(config)).toEqual({
      maxAttempts: 10,
      backoffBaseMs: 1_000,
      backoffMaxMs: 300_000,
      leaseMs: 60_000,
      batchSize: 20,
      pollMs: 1_000,
    });
  });

  it('reads every variable', () => {
    expect(
      loadDeliveryConfig({
        SINKS_FILE: '/etc/kubeguard/sinks.yaml',
        DELIVERY_MAX_ATTEMPTS: '3',
        DELIVERY_BACKOFF_BASE_MS: '200',
        DELIVERY_BACKOFF_MAX_MS: '5000',
        DELIVERY_LEASE_MS: '30000',
        DELIVERY_BATCH_SIZE: '5',
        DELIVERY_POLL_MS: '250',
        DELIVERY_RETENTION_HOURS: '24',
      }),
    ).toEqual({
      SINKS_FILE: '/etc/kubeguard/sinks.yaml',
      DELIVERY_MAX_ATTEMPTS: 3,
      DELIVERY_BACKOFF_BASE_MS: 200,
      DELIVERY_BACKOFF_MAX_MS: 5_000,
      DELIVERY_LEASE_MS: 30_000,
      DELIVERY_BATCH_SIZE: 5,
      DELIVERY_POLL_MS: 250,
      DELIVERY_RETENTION_HOURS: 24,
    });
  });

  it("lists every problem of the service's and the delivery's variables at once", () => {
    const loadBase = (env: Record<string, string | undefined>) =>
      parseEnv(z.object({ HTTP_PORT: port(9104) }), env);
    expect(() =>
      withDeliveryConfig(loadBase, {
        HTTP_PORT: 'x',
        DELIVERY_MAX_ATTEMPTS: '0',
        DELIVERY_LEASE_MS: 'soon',
      }),
    ).toThrow(
      new ConfigError([
        "HTTP_PORT: expected a port number 0-65535, got 'x'",
        "DELIVERY_MAX_ATTEMPTS: expected a positive whole number, got '0'",
        "DELIVERY_LEASE_MS: expected a positive whole number, got 'soon'",
      ]),
    );
    expect(
      withDeliveryConfig(loadBase, { DELIVERY_BATCH_SIZE: '7' }),
    ).toMatchObject({ HTTP_PORT: 9104, DELIVERY_BATCH_SIZE: 7 });
  });
});
