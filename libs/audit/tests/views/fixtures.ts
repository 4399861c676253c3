import { readFileSync } from 'node:fs';

import { type AuditEvent } from '@kubeguard/contracts';

import { isRejection, normalizeK8sEvent } from '../../src/index.js';

/** A fixture event from fixtures/k8s-audit/views, parsed afresh each time. */
export function rawEvent(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(
      new URL(`../../../../fixtures/k8s-audit/views/${name}`, import.meta.url),
      'utf8',
    ),
  ) as Record<string, unknown>;
}

/** Normalizes an event, failing the test on a rejection. */
export function normalized(value: unknown): AuditEvent {
  const result = normalizeK8sEvent(value, {
    cluster: 'prod',
    rawBatchId: 'batch-views',
    index: 0,
  });
  if (isRejection(result)) {
    throw new Error(`unexpected rejection: ${result.detail}`);
  }
  return result;
}

/** A fixture normalized, with top-level fields replaced first. */
export function fixtureEvent(
  name: string,
  patch: Record<string, unknown> = {},
): AuditEvent {
  return normalized({ ...rawEvent(name), ...patch });
}
