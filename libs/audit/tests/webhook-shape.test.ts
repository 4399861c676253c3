import { describe, expect, it } from 'vitest';

import { checkWebhookBody } from '../src/index.js';

describe('checkWebhookBody', () => {
  it('accepts an EventList and a single Event', () => {
    expect(
      checkWebhookBody(
        '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{},{}]}',
      ),
    ).toEqual({
      ok: true,
      events: 2,
    });
    expect(
      checkWebhookBody('{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1"}'),
    ).toEqual({ ok: true, events: 1 });
  });

  it.each([
    ['{"kind":"EventList"', 'body is not valid JSON: '],
    ['[1,2]', 'body must be a JSON object: an audit.k8s.io EventList or Event'],
    ['{"kind":"EventList","items":{}}', 'EventList.items must be an array'],
    [
      '{"kind":"Pod","apiVersion":"v1"}',
      "apiVersion must be audit.k8s.io/v1 or v1beta1, got 'v1'",
    ],
    ['{"kind":"Pod"}', "kind must be 'EventList' or 'Event', got 'Pod'"],
    ['{}', "kind must be 'EventList' or 'Event', got none"],
  ])('refuses %s with a reason', (body, reason) => {
    const result = checkWebhookBody(body);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});
