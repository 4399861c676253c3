import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isRejection, normalizeK8sEvent } from '@kubeguard/audit';
import { Severity, type AuditEvent } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  BUILTIN_PACK_DIR,
  createEngine,
  EXAMPLE_DEFAULTS,
  loadPacks,
} from '../src/index.js';

const at = new Date('2026-11-20T10:00:00Z');

/** A site pack that supplies the threat feeds as plain-text lists, as a site does. */
function sitePack(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeguard-ti-'));
  mkdirSync(join(dir, 'lists'));
  writeFileSync(
    join(dir, 'lists', 'threat-ip-ranges.txt'),
    '# bad ranges from the feed\n198.51.100.0/24\n2001:db8:bad::/48\n',
  );
  writeFileSync(
    join(dir, 'lists', 'tor-exit-addresses.txt'),
    '185.220.101.4\n185.220.101.5 # another exit\n',
  );
  writeFileSync(
    join(dir, 'lists', 'trusted-public-ranges.txt'),
    '# NAT gateways of the node pools\n203.0.113.0/28\n',
  );
  return dir;
}

const builtin = createEngine({
  pack: loadPacks([BUILTIN_PACK_DIR]),
  detector: 'test',
});
const site = createEngine({
  pack: loadPacks([BUILTIN_PACK_DIR, sitePack()]),
  detector: 'test',
});

function event(patch: Record<string, unknown>): AuditEvent {
  const result = normalizeK8sEvent(
    {
      ...EXAMPLE_DEFAULTS,
      auditID: 'ti-1',
      verb: 'list',
      requestURI: '/api/v1/namespaces/shop/secrets',
      objectRef: { resource: 'secrets', namespace: 'shop', apiVersion: 'v1' },
      ...patch,
    },
    { cluster: 'prod', rawBatchId: 'b', index: 0 },
  );
  if (isRejection(result)) {
    throw new Error(result.detail);
  }
  return result;
}

const forbid = {
  responseStatus: { code: 403 },
  annotations: { 'authorization.k8s.io/decision': 'forbid' },
};

describe('ti-ip-caller with site threat feeds', () => {
  it.each([
    ['an address in a listed range', { sourceIPs: ['198.51.100.23'] }],
    ['a listed Tor exit', { sourceIPs: ['185.220.101.5'] }],
    ['an IPv6 address in a listed range', { sourceIPs: ['2001:db8:bad::7'] }],
    [
      'a listed client behind a proxy',
      { sourceIPs: ['185.220.101.4', '10.0.0.2'] },
    ],
  ])('fires for %s', (_what, patch) => {
    const detections = site.evaluateRule('ti-ip-caller', event(patch), at);
    expect(detections).toHaveLength(1);
    expect(detections?.[0]).toMatchObject({
      alertType: 'K8S_TI_Proxy',
      severity: Severity.HIGH,
    });
  });

  it('rates reads medium and refused requests low', () => {
    const read = event({
      sourceIPs: ['185.220.101.4'],
      requestURI: '/api/v1/namespaces/shop/pods',
      objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' },
    });
    expect(site.evaluateRule('ti-ip-caller', read, at)?.[0]?.severity).toBe(
      Severity.MEDIUM,
    );
    const refused = event({ sourceIPs: ['185.220.101.4'], ...forbid });
    expect(site.evaluateRule('ti-ip-caller', refused, at)?.[0]?.severity).toBe(
      Severity.LOW,
    );
  });

  it.each([
    ['an unlisted public address', { sourceIPs: ['192.0.2.10'] }],
    [
      'a listed address that is only a proxy hop',
      { sourceIPs: ['192.0.2.10', '198.51.100.23'] },
    ],
    [
      'the request received stage',
      {
        sourceIPs: ['198.51.100.23'],
        stage: 'RequestReceived',
        responseStatus: {},
      },
    ],
  ])('stays quiet for %s', (_what, patch) => {
    expect(site.evaluateRule('ti-ip-caller', event(patch), at)).toEqual([]);
  });

  it('stays quiet with the empty built-in feeds', () => {
    expect(
      builtin.evaluateRule(
        'ti-ip-caller',
        event({ sourceIPs: ['198.51.100.23'] }),
        at,
      ),
    ).toEqual([]);
  });
});

describe('system-identity-from-public-ip with site egress ranges', () => {
  const token = {
    user: {
      username: 'system:serviceaccount:shop:cart',
      groups: ['system:serviceaccounts', 'system:authenticated'],
    },
  };

  it('fires for a pod token from an address outside the trusted ranges', () => {
    const e = event({ ...token, sourceIPs: ['203.0.113.77'] });
    expect(
      site.evaluateRule('system-identity-from-public-ip', e, at),
    ).toHaveLength(1);
  });

  it('stays quiet for the node pools’ NAT gateway the site listed', () => {
    const e = event({ ...token, sourceIPs: ['203.0.113.5'] });
    expect(site.evaluateRule('system-identity-from-public-ip', e, at)).toEqual(
      [],
    );
    expect(
      builtin.evaluateRule('system-identity-from-public-ip', e, at),
    ).toHaveLength(1);
  });
});
