import { readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { expandRecord, isConverted } from '../../src/formats/index.js';
import { normalizeK8sEvent } from '../../src/normalize.js';
import { isRejection } from '../../src/rejection.js';
import { fixture, rejection } from './fixtures.js';

const EXPECTED =
  'unrecognized record: expected an audit.k8s.io Event, an AKS diagnostic record, an EKS CloudWatch record or a GKE LogEntry';

describe('expandRecord', () => {
  it('rejects an unrecognized object, listing at most six keys', () => {
    expect(rejection(expandRecord({ a: 1, b: 2 }))).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail: `${EXPECTED}; keys 'a', 'b'`,
    });
    const many = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(k => [k, 1]),
    );
    expect(rejection(expandRecord(many)).detail).toBe(
      `${EXPECTED}; keys 'a', 'b', 'c', 'd', 'e', 'f' and 2 more`,
    );
    expect(rejection(expandRecord({})).detail).toBe(
      `${EXPECTED}; an empty object`,
    );
  });

  it('rejects values that are not objects', () => {
    expect(rejection(expandRecord('hello'))).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail: `${EXPECTED}; got a string`,
    });
    expect(rejection(expandRecord(null)).detail).toBe(`${EXPECTED}; got null`);
    expect(expandRecord([1, [2]])).toEqual([
      { reason: 'NOT_AUDIT_EVENT', detail: `[0]: ${EXPECTED}; got a number` },
      { reason: 'NOT_AUDIT_EVENT', detail: `[1]: ${EXPECTED}; got an array` },
    ]);
    expect(expandRecord([])).toEqual([]);
  });

  it('never changes its input', () => {
    for (const path of ['gke/pod-create.json', 'aks/event-hubs-records.json']) {
      const input = fixture(path);
      const before = JSON.stringify(input);
      expandRecord(input);
      expect(JSON.stringify(input)).toBe(before);
    }
  });
});

describe('every provider fixture through normalizeK8sEvent', () => {
  const root = new URL('../../../../fixtures/', import.meta.url);
  const paths = ['aks', 'eks', 'gke'].flatMap(dir =>
    readdirSync(new URL(`${dir}/`, root)).map(name => `${dir}/${name}`),
  );

  it.each(paths)('%s normalizes without a rejection', path => {
    const results = expandRecord(fixture(path));
    const events = results.filter(isConverted);
    expect(results.filter(isRejection)).toEqual([]);
    for (const [index, { event, format, inferred }] of events.entries()) {
      const normalized = normalizeK8sEvent(event, {
        cluster: 'prod',
        rawBatchId: 'batch-1',
        index,
      });
      if (isRejection(normalized)) {
        throw new Error(`${path}: ${normalized.detail}`);
      }
      expect(normalized.auditId).toBe(event['auditID']);
      expect(normalized.verb).toBe(event['verb']);
      for (const field of inferred) {
        expect(normalized.annotations[`kubeguard.io/inferred-${field}`]).toBe(
          'true',
        );
      }
      expect(format).toMatch(
        /^(aks-diagnostic|eks-cloudwatch|gke-cloud-logging)$/,
      );
    }
  });
});
