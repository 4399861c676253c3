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
  partitionOf,
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
