import { readFileSync } from 'node:fs';

import {
  AddressClass,
  IdentityClass,
  Outcome,
  type ResponseStatus,
  type UserInfo,
} from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  classifyAddress,
  deriveIdentity,
  deriveOutcome,
  isRejection,
  normalizeK8sEvent,
  partitionOf,
  placementOf,
  subjectIdentities,
} from '../src/index.js';

const user = (username: string, groups: string[] = []): UserInfo => ({
  username,
  uid: '',
  groups,
  extra: {},
});

describe('deriveIdentity', () => {
  it.each([
    ['system:anonymous', [], IdentityClass.ANONYMOUS],
    ['', [], IdentityClass.ANONYMOUS],
    ['someone', ['system:unauthenticated'], IdentityClass.ANONYMOUS],
    [
      'system:serviceaccount:kube-system:coredns',
      [],
      IdentityClass.SERVICE_ACCOUNT,
    ],
    ['system:node:ip-10-0-1-7', ['system:nodes'], IdentityClass.NODE],
    ['system:kube-scheduler', [], IdentityClass.CONTROL_PLANE],
    ['eks:node-manager', [], IdentityClass.CLOUD_MANAGED],
    ['alice@example.com', ['system:authenticated'], IdentityClass.HUMAN],
    ['system:addon-manager', [], IdentityClass.CONTROL_PLANE],
    ['aksService', ['system:masters'], IdentityClass.CLOUD_MANAGED],
    ['masterclient', ['system:masters'], IdentityClass.CLOUD_MANAGED],
    ['nodeclient', [], IdentityClass.CLOUD_MANAGED],
    ['system:gke-controller-manager', [], IdentityClass.CLOUD_MANAGED],
    [
      'service-123456789@container-engine-robot.iam.gserviceaccount.com',
      [],
      IdentityClass.CLOUD_MANAGED,
    ],
    // Managed-platform names are matched exactly or by a platform prefix.
    ['aksService-helper', [], IdentityClass.HUMAN],
    ['ci@my-project.iam.gserviceaccount.com', [], IdentityClass.HUMAN],
    // Never "every system: user": these keep their own class.
    [
      'system:serviceaccount:kube-system:eks-vpc-resource-controller',
      [],
      IdentityClass.SERVICE_ACCOUNT,
    ],
    ['system:node:aks-nodepool1-12345678-vmss000000', [], IdentityClass.NODE],
    ['system:admin', ['system:masters'], IdentityClass.HUMAN],
    ['system:bootstrap:abcdef', ['system:bootstrappers'], IdentityClass.HUMAN],
  ] as const)('classifies %s as %s', (name, groups, expected) => {
    expect(deriveIdentity(user(name, [...groups]), false).class).toBe(expected);
  });

  it('names the node of a node identity', () => {
    expect(deriveIdentity(user('system:node:worker-3'), false).nodeName).toBe(
      'worker-3',
    );
  });
});

describe('deriveOutcome', () => {
  const status = (code: number): ResponseStatus => ({
    code,
    status: '',
    reason: '',
    message: '',
  });

  it.each([
    [status(201), {}, false, Outcome.ALLOWED],
    [status(101), {}, false, Outcome.ALLOWED],
    [status(403), {}, false, Outcome.DENIED],
    [
      status(200),
      { 'authorization.k8s.io/decision': 'forbid' },
      false,
      Outcome.DENIED,
    ],
    [status(422), {}, false, Outcome.FAILED],
    [status(422), {}, true, Outcome.DENIED],
    [status(500), {}, false, Outcome.FAILED],
    [undefined, {}, false, Outcome.UNSPECIFIED],
  ] as const)(
    'reads %o with %o (admission rejected: %s) as %s',
    (responseStatus, annotations, admissionRejected, expected) => {
      expect(
        deriveOutcome(responseStatus, { ...annotations }, admissionRejected),
      ).toBe(expected);
    },
  );
});

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', AddressClass.LOOPBACK],
    ['::1', AddressClass.LOOPBACK],
    ['10.2.3.4', AddressClass.PRIVATE],
    ['172.31.255.1', AddressClass.PRIVATE],
    ['172.32.0.1', AddressClass.PUBLIC],
    ['192.168.1.1', AddressClass.PRIVATE],
    ['fd00::1', AddressClass.PRIVATE],
    ['::ffff:10.0.0.1', AddressClass.PRIVATE],
    ['8.8.8.8', AddressClass.PUBLIC],
    ['2001:db8::1', AddressClass.PUBLIC],
    ['', AddressClass.UNSPECIFIED],
    ['not-an-ip', AddressClass.UNSPECIFIED],
  ] as const)('classifies %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });
});

describe('partitionOf', () => {
  it('is stable per actor and stays within range', () => {
    const p = partitionOf('prod', 'alice', 16);
    expect(partitionOf('prod', 'alice', 16)).toBe(p);
    const spread = new Set(
      Array.from({ length: 200 }, (_, i) =>
        partitionOf('prod', `u${String(i)}`, 16),
      ),
    );
    expect(spread.size).toBe(16);
    expect([...spread].every(n => n >= 0 && n < 16)).toBe(true);
  });
});

describe('placementOf', () => {
  /** The RoleBinding fixture (written by mallory in `shop`) with these subjects. */
  const binding = (subjects: Record<string, string>[]) => {
    const event = JSON.parse(
      readFileSync(
        new URL(
          '../../../fixtures/k8s-audit/rolebinding-to-service-account.json',
          import.meta.url,
        ),
        'utf8',
      ),
    ) as { requestObject: { subjects: unknown } };
    event.requestObject.subjects = subjects;
    const result = normalizeK8sEvent(event, {
      cluster: 'prod',
      rawBatchId: 'b',
      index: 0,
    });
    if (isRejection(result)) {
      throw new Error(result.detail);
    }
    return result;
  };

  it("copies a binding to the partitions of the identities it grants to, besides the caller's", () => {
    const event = binding([
      { kind: 'ServiceAccount', name: 'cart' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
      { kind: 'User', name: 'bob@example.com' },
      { kind: 'Group', name: 'contractors' },
    ]);
    expect(subjectIdentities(event)).toEqual([
      'system:serviceaccount:shop:cart',
      'system:serviceaccount:tools:ci',
      'bob@example.com',
    ]);
    const caller = partitionOf('prod', 'mallory@example.com', 64);
    const expected = new Set(
      subjectIdentities(event).map(id => partitionOf('prod', id, 64)),
    );
    expected.delete(caller);
    expect(expected.size).toBeGreaterThan(0);
    const placement = placementOf(event, 64);
    expect(placement.partition).toBe(caller);
    expect(placement.copies.sort()).toEqual([...expected].sort());
  });

  it('makes no copy where the subject shares the caller partition, or of other events', () => {
    expect(
      placementOf(binding([{ kind: 'User', name: 'mallory@example.com' }]), 64)
        .copies,
    ).toEqual([]);
    expect(placementOf(binding([]), 64).copies).toEqual([]);
    const ordinary = binding([{ kind: 'User', name: 'bob@example.com' }]);
    if (ordinary.derived) {
      ordinary.derived.roleBinding = undefined;
    }
    expect(placementOf(ordinary, 64)).toEqual({
      partition: partitionOf('prod', 'mallory@example.com', 64),
      copies: [],
    });
  });
});
