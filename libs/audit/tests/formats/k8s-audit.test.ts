import { describe, expect, it } from 'vitest';

import { expandRecord } from '../../src/formats/index.js';
import { fixture, fixtureObject, rejection, single } from './fixtures.js';

describe('Kubernetes audit Events', () => {
  it('passes a v1 Event through as a copy, with nothing inferred', () => {
    const input = fixtureObject('k8s-audit/anonymous-list-secrets.json');
    const result = single(expandRecord(input));
    expect(result.format).toBe('k8s-audit-v1');
    expect(result.inferred).toEqual([]);
    expect(result.event).toEqual(input);
    expect(result.event).not.toBe(input);
  });

  it('names v1beta1 events by their apiVersion', () => {
    const result = single(
      expandRecord(fixture('k8s-audit/create-secret-v1beta1.json')),
    );
    expect(result.format).toBe('k8s-audit-v1beta1');
    expect(result.event['auditID']).toBe(
      '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a',
    );
  });

  it('accepts an unversioned record with auditID and verb as v1', () => {
    const result = single(expandRecord({ auditID: 'a1', verb: 'get' }));
    expect(result.format).toBe('k8s-audit-v1');
  });

  it('expands an EventList and rejects only its bad items', () => {
    const list = fixtureObject(
      'k8s-audit/eventlist-anonymous-and-ordinary.json',
    );
    const items = list['items'] as unknown[];
    const results = expandRecord({ ...list, items: [...items, 'oops'] });
    expect(results).toHaveLength(3);
    expect(
      results.slice(0, 2).map(r => ('event' in r ? r.event['auditID'] : r)),
    ).toEqual([
      '6f1c5f8e-2f4b-4bb0-9f57-0a3f1f2b7d01',
      '0c9a7d4e-81b3-4c5e-a3c2-5b8e2d6f9a12',
    ]);
    expect(results[2]).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail:
        'EventList.items[2]: expected an audit.k8s.io Event object, got a string',
    });
  });

  it('rejects a core v1 Event and an EventList without items', () => {
    expect(
      rejection(expandRecord({ kind: 'Event', apiVersion: 'v1', reason: 'x' })),
    ).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail: "apiVersion: expected audit.k8s.io/v1 or v1beta1, got 'v1'",
    });
    expect(rejection(expandRecord({ kind: 'EventList', items: {} }))).toEqual({
      reason: 'WRONG_TYPE',
      detail: 'EventList.items: expected an array, got an object',
    });
  });
});
