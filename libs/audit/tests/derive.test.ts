import {
  AddressClass,
  IdentityClass,
  type UserInfo,
} from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import { classifyAddress, deriveIdentity, partitionOf } from '../src/index.js';

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
  ] as const)('classifies %s as %s', (name, groups, expected) => {
    expect(deriveIdentity(user(name, [...groups]), false).class).toBe(expected);
  });

  it('names the node of a node identity', () => {
    expect(deriveIdentity(user('system:node:worker-3'), false).nodeName).toBe(
      'worker-3',
    );
  });
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
