import { describe, expect, it } from 'vitest';

import {
  encodeCloudEvent,
  encodeNativeJson,
} from '../../src/encodings/index.js';
import { sampleAlert, sampleNotification } from '../sinks/support/fixtures.js';
import { CONTEXT } from './context.js';

describe('CloudEvents encoding', () => {
  it('wraps the native JSON in a structured CloudEvents 1.0 envelope', () => {
    const notification = sampleNotification('created');
    expect(encodeCloudEvent(notification, CONTEXT)).toEqual({
      specversion: '1.0',
      id: 'sink-a:alt-7f3a:created',
      source: '/kubeguard/test',
      type: 'io.kubeguard.alert.created',
      subject: 'alt-7f3a',
      time: '2025-03-01T10:05:01.500Z',
      datacontenttype: 'application/json',
      severity: 'high',
      cluster: 'prod-east',
      data: encodeNativeJson(notification),
    });
  });

  it.each(['updated', 'reopened', 'resolved', 'test'] as const)(
    'types a %s change after it',
    change => {
      expect(
        encodeCloudEvent(sampleNotification(change), CONTEXT)['type'],
      ).toBe(`io.kubeguard.alert.${change}`);
    },
  );

  it('leaves the cluster extension out when the alert has none', () => {
    const event = encodeCloudEvent(
      sampleNotification('created', sampleAlert({ cluster: '' })),
      CONTEXT,
    );
    expect(event).not.toHaveProperty('cluster');
  });
});
