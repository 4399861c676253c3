import { describe, expect, it } from 'vitest';

import {
  REDACTED,
  redactAnnotations,
  redactInline,
  redactObject,
} from '../src/redact.js';

describe('redactObject', () => {
  it('replaces every Secret value, in lists too, keeping the keys', () => {
    const list = {
      kind: 'SecretList',
      items: [
        { data: { a: 'YQ==' }, stringData: { b: 'plain' } },
        { data: { c: 'Yw==' } },
      ],
    };
    expect(redactObject(list, 'secrets')).toBe(true);
    expect(list.items).toEqual([
      { data: { a: REDACTED }, stringData: { b: REDACTED } },
      { data: { c: REDACTED } },
    ]);
  });

  it('replaces the token a TokenRequest returns', () => {
    const response = {
      kind: 'TokenRequest',
      spec: { audiences: ['api'] },
      status: { token: 'eyJhbGciOi.x.y', expirationTimestamp: 't' },
    };
    expect(redactObject(response, 'serviceaccounts', 'token')).toBe(true);
    expect(response.status).toEqual({
      token: REDACTED,
      expirationTimestamp: 't',
    });
  });

  it('replaces literal env values named like credentials, but not references or harmless ones', () => {
    const pod = {
      spec: {
        containers: [
          {
            name: 'app',
            env: [
              { name: 'DB_PASSWORD', value: 'hunter2' },
              { name: 'GITHUB_TOKEN', value: 'ghp_abc' },
              { name: 'LOG_LEVEL', value: 'debug' },
              {
                name: 'API_KEY',
                valueFrom: { secretKeyRef: { name: 's', key: 'k' } },
              },
            ],
          },
        ],
      },
    };
    expect(redactObject(pod, 'pods')).toBe(true);
    expect(pod.spec.containers[0]?.env).toEqual([
      { name: 'DB_PASSWORD', value: REDACTED },
      { name: 'GITHUB_TOKEN', value: REDACTED },
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
  });

  it('keeps a setting named like a credential when its value is one word, such as an auth method', () => {
    const env = [
      { name: 'POSTGRES_HOST_AUTH_METHOD', value: 'trust' },
      { name: 'AUTH_MODE', value: 'scram-sha-256' },
      { name: 'TOKEN_TYPE', value: 'jwt' },
      // Not one word: could be anything, so masked.
      { name: 'API_KEY_TYPE', value: 'sk_live 51H8x2eZvKYlo2C' },
      { name: 'SECRET_MODE', value: 'x'.repeat(40) },
      // Not a setting name.
      { name: 'POSTGRES_PASSWORD', value: 'trust' },
    ];
    redactObject({ spec: { containers: [{ name: 'db', env }] } }, 'pods');
    expect(env.map(e => e.value)).toEqual([
      'trust',
      'scram-sha-256',
      'jwt',
      REDACTED,
      REDACTED,
      REDACTED,
    ]);
  });

  it('replaces any field named like a credential, at any depth', () => {
    const config = {
      spec: { auth: { password: 'p', clientSecret: 's', username: 'u' } },
    };
    expect(redactObject(config, 'configmaps')).toBe(true);
    expect(config.spec.auth).toEqual({
      password: REDACTED,
      clientSecret: REDACTED,
      username: 'u',
    });
    const camel = { client_secret: 'x', apiKey: 'y' };
    expect(redactObject(camel, 'x')).toBe(true);
    expect(camel).toEqual({ client_secret: REDACTED, apiKey: REDACTED });
  });

  it('masks credentials inside ConfigMap values and literal env values', () => {
    const configMap = {
      data: {
        DATABASE_URL: 'postgres://app@db/app?sslmode=require&password=S3cr3t',
        MODE: 'prod',
      },
    };
    expect(redactObject(configMap, 'configmaps')).toBe(true);
    expect(configMap.data).toEqual({
      DATABASE_URL: `postgres://app@db/app?sslmode=require&password=${REDACTED}`,
      MODE: 'prod',
    });
    const env = { env: [{ name: 'OPTS', value: '--token=abc123 --verbose' }] };
    expect(redactObject(env, 'pods')).toBe(true);
    expect(env.env[0]?.value).toBe(`--token=${REDACTED} --verbose`);
  });

  it('reports false when nothing was secret', () => {
    expect(redactObject({ spec: { replicas: 3 } }, 'deployments')).toBe(false);
    expect(redactObject(undefined, 'pods')).toBe(false);
  });
});

describe('redactAnnotations and redactInline', () => {
  it('masks bearer tokens and password pairs inside text', () => {
    const annotations = {
      'example.com/debug':
        'called with Authorization: Bearer abc.def-ghi and more',
      'example.com/conn': 'host=db password=hunter2 sslmode=require',
      'example.com/token': 'xyz',
      'authorization.k8s.io/decision': 'allow',
    };
    expect(redactAnnotations(annotations)).toBe(true);
    expect(annotations).toEqual({
      'example.com/debug': `called with Authorization: Bearer ${REDACTED} and more`,
      'example.com/conn': `host=db password=${REDACTED} sslmode=require`,
      'example.com/token': REDACTED,
      'authorization.k8s.io/decision': 'allow',
    });
    expect(redactInline('nothing here')).toBe('nothing here');
  });
});
