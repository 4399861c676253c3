import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { ConfigError, logLevel, parseEnv, port, url } from '../src/index.js';

const schema = z.object({
  NATS_URL: url(['nats:'], 'nats://127.0.0.1:4222'),
  HTTP_PORT: port(8080),
  LOG_LEVEL: logLevel(),
});

describe('parseEnv', () => {
  it('applies local defaults when nothing is set', () => {
    expect(parseEnv(schema, {})).toEqual({
      NATS_URL: 'nats://127.0.0.1:4222',
      HTTP_PORT: 8080,
      LOG_LEVEL: 'info',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv(schema, { HTTP_PORT: '' }).HTTP_PORT).toBe(8080);
  });

  it('names every bad variable with the expected form and the value', () => {
    const attempt = () =>
      parseEnv(schema, { NATS_URL: 'localhost', HTTP_PORT: '70000' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      "invalid configuration:\n  NATS_URL: expected a nats:// URL, got 'localhost'\n  HTTP_PORT: expected a port number 0-65535, got '70000'",
    );
  });
});
