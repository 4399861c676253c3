import { describe, expect, it } from 'vitest';

import {
  parseMethodName,
  parseResourceName,
  requestPath,
} from '../../src/formats/gke-resource.js';

describe('GKE methodName and resourceName', () => {
  it.each([
    [
      'io.k8s.core.v1.pods.create',
      { verb: 'create', group: 'core', version: 'v1', resource: 'pods' },
    ],
    [
      'io.k8s.core.v1.pods.exec.create',
      {
        verb: 'create',
        group: 'core',
        version: 'v1',
        resource: 'pods',
        subresource: 'exec',
      },
    ],
    [
      'io.k8s.authorization.v1.selfsubjectaccessreviews.create',
      {
        verb: 'create',
        group: 'authorization',
        version: 'v1',
        resource: 'selfsubjectaccessreviews',
      },
    ],
    [
      'io.k8s.authorization.rbac.v1.clusterrolebindings.delete',
      {
        verb: 'delete',
        group: 'authorization.rbac',
        version: 'v1',
        resource: 'clusterrolebindings',
      },
    ],
    [
      'io.k8s.apps.v1.deployments.watch',
      { verb: 'watch', group: 'apps', version: 'v1', resource: 'deployments' },
    ],
    [
      'io.k8s.flowcontrol.v1beta3.flowschemas.list',
      {
        verb: 'list',
        group: 'flowcontrol',
        version: 'v1beta3',
        resource: 'flowschemas',
      },
    ],
    ['io.k8s.get', { verb: 'get' }],
  ])('parses %s', (name, expected) => {
    expect(parseMethodName(name)).toEqual(expected);
  });

  it.each([
    [
      'core/v1/namespaces/default/pods/nginx',
      {
        apiGroup: '',
        apiVersion: 'v1',
        resource: 'pods',
        namespace: 'default',
        name: 'nginx',
      },
      'get',
      '/api/v1/namespaces/default/pods/nginx',
    ],
    [
      'core/v1/namespaces/default/pods/nginx/exec',
      {
        apiGroup: '',
        apiVersion: 'v1',
        resource: 'pods',
        namespace: 'default',
        name: 'nginx',
        subresource: 'exec',
      },
      'create',
      '/api/v1/namespaces/default/pods/nginx/exec',
    ],
    [
      'apps/v1/namespaces/x/deployments/y',
      {
        apiGroup: 'apps',
        apiVersion: 'v1',
        resource: 'deployments',
        namespace: 'x',
        name: 'y',
      },
      'patch',
      '/apis/apps/v1/namespaces/x/deployments/y',
    ],
    [
      'rbac.authorization.k8s.io/v1/clusterrolebindings/z',
      {
        apiGroup: 'rbac.authorization.k8s.io',
        apiVersion: 'v1',
        resource: 'clusterrolebindings',
        name: 'z',
      },
      'update',
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/z',
    ],
    [
      'core/v1/namespaces/default/pods',
      {
        apiGroup: '',
        apiVersion: 'v1',
        resource: 'pods',
        namespace: 'default',
      },
      'list',
      '/api/v1/namespaces/default/pods',
    ],
    [
      'core/v1/pods',
      { apiGroup: '', apiVersion: 'v1', resource: 'pods' },
      'watch',
      '/api/v1/pods',
    ],
    [
      'core/v1/namespaces',
      { apiGroup: '', apiVersion: 'v1', resource: 'namespaces' },
      'list',
      '/api/v1/namespaces',
    ],
    [
      'core/v1/namespaces/prod',
      {
        apiGroup: '',
        apiVersion: 'v1',
        resource: 'namespaces',
        namespace: 'prod',
        name: 'prod',
      },
      'delete',
      '/api/v1/namespaces/prod',
    ],
    [
      'core/v1/namespaces/prod/finalize',
      {
        apiGroup: '',
        apiVersion: 'v1',
        resource: 'namespaces',
        namespace: 'prod',
        name: 'prod',
        subresource: 'finalize',
      },
      'update',
      '/api/v1/namespaces/prod/finalize',
    ],
    [
      'core/v1/nodes/node-1/proxy',
      {
        apiGroup: '',
        apiVersion: 'v1',
        resource: 'nodes',
        name: 'node-1',
        subresource: 'proxy',
      },
      'get',
      '/api/v1/nodes/node-1/proxy',
    ],
  ])('parses %s', (name, target, verb, path) => {
    const parsed = parseResourceName(name);
    expect(parsed).toEqual(target);
    expect(parsed && requestPath(parsed, verb)).toBe(path);
  });

  it('finds no target in a non-resource path', () => {
    expect(parseResourceName('healthz')).toBeUndefined();
    expect(parseResourceName('core/v1')).toBeUndefined();
  });
});
