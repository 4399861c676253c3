import { ObjectSource } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import { fixtureEvent, rawEvent } from './fixtures.js';

/** The LoadBalancer fixture with metadata annotations and a spec patch. */
function loadBalancer(
  annotations: Record<string, string>,
  spec: Record<string, unknown> = {},
) {
  const raw = rawEvent('service-loadbalancer-dashboard.json');
  const service = raw['requestObject'] as {
    metadata: Record<string, unknown>;
    spec: Record<string, unknown>;
  };
  return fixtureEvent('service-loadbalancer-dashboard.json', {
    requestObject: {
      ...service,
      metadata: { ...service.metadata, annotations },
      spec: { ...service.spec, ...spec },
    },
  }).derived?.service;
}

describe('service view', () => {
  it('reads a NodePort service', () => {
    const event = fixtureEvent('service-nodeport.json');
    expect(event.derived?.service).toEqual({
      source: ObjectSource.REQUEST,
      namespace: 'shop',
      name: 'cart-debug',
      type: 'NodePort',
      ports: [
        {
          name: 'http',
          port: 80,
          targetPort: 'http',
          nodePort: 30080,
          protocol: 'TCP',
        },
      ],
      selector: { app: 'cart' },
      externalIps: [],
      loadBalancerSourceRanges: [],
      externalName: '',
      externallyExposed: true,
      internalLoadBalancer: false,
    });
    expect(event.derived?.ingress).toBeUndefined();
  });

  it('reads a LoadBalancer in front of the dashboard, with a numeric target port', () => {
    const event = fixtureEvent('service-loadbalancer-dashboard.json');
    expect(event.derived?.service).toEqual({
      source: ObjectSource.REQUEST,
      namespace: 'kubernetes-dashboard',
      name: 'kubernetes-dashboard',
      type: 'LoadBalancer',
      ports: [
        { name: '', port: 443, targetPort: '8443', nodePort: 0, protocol: '' },
      ],
      selector: { 'k8s-app': 'kubernetes-dashboard' },
      externalIps: ['198.51.100.7'],
      loadBalancerSourceRanges: ['0.0.0.0/0'],
      externalName: '',
      externallyExposed: true,
      internalLoadBalancer: false,
    });
  });

  it.each([
    [{ 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' }, true],
    [
      { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'false' },
      false,
    ],
    [
      { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' },
      true,
    ],
    [
      {
        'service.beta.kubernetes.io/aws-load-balancer-scheme':
          'internet-facing',
      },
      false,
    ],
    [
      { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' },
      true,
    ],
    [{ 'networking.gke.io/load-balancer-type': 'Internal' }, true],
    [{ 'cloud.google.com/load-balancer-type': 'Internal' }, true],
    [{ 'example.com/internal': 'true' }, false],
  ])('reads %o as internal: %s', (annotations, internal) => {
    expect(loadBalancer(annotations)?.internalLoadBalancer).toBe(internal);
  });

  it.each([
    ['ClusterIP', [], false],
    ['', [], false],
    ['ClusterIP', ['203.0.113.9'], true],
    ['ExternalName', [], false],
  ])('calls type %o with externalIPs %o exposed: %s', (type, ips, exposed) => {
    expect(
      loadBalancer({}, { type, externalIPs: ips })?.externallyExposed,
    ).toBe(exposed);
  });

  it('is unset for a services/status update and for a delete', () => {
    expect(
      fixtureEvent('service-nodeport.json', {
        verb: 'update',
        objectRef: {
          resource: 'services',
          namespace: 'shop',
          name: 'cart-debug',
          subresource: 'status',
        },
      }).derived?.service,
    ).toBeUndefined();
    expect(
      fixtureEvent('service-nodeport.json', { verb: 'delete' }).derived
        ?.service,
    ).toBeUndefined();
  });
});

describe('ingress view', () => {
  it('reads an ingress without TLS: hosts, backends and class', () => {
    const event = fixtureEvent('ingress-without-tls.json');
    expect(event.derived?.ingress).toEqual({
      source: ObjectSource.REQUEST,
      namespace: 'shop',
      name: 'shop',
      hosts: ['shop.example.com', 'admin.shop.example.com'],
      tls: false,
      backendServices: ['fallback', 'web', 'cart'],
      ingressClass: 'nginx',
    });
    expect(event.derived?.service).toBeUndefined();
  });

  it('reads TLS, the v1beta1 backend shape and the class annotation', () => {
    const event = fixtureEvent('ingress-without-tls.json', {
      objectRef: {
        resource: 'ingresses',
        namespace: 'shop',
        name: 'legacy',
        apiGroup: 'extensions',
      },
      requestObject: {
        kind: 'Ingress',
        apiVersion: 'extensions/v1beta1',
        metadata: {
          name: 'legacy',
          namespace: 'shop',
          annotations: { 'kubernetes.io/ingress.class': 'traefik' },
        },
        spec: {
          tls: [{ hosts: ['legacy.example.com'], secretName: 'legacy-tls' }],
          rules: [
            {
              host: 'legacy.example.com',
              http: {
                paths: [
                  { backend: { serviceName: 'legacy', servicePort: 80 } },
                ],
              },
            },
          ],
        },
      },
    });
    expect(event.derived?.ingress).toEqual({
      source: ObjectSource.REQUEST,
      namespace: 'shop',
      name: 'legacy',
      hosts: ['legacy.example.com'],
      tls: true,
      backendServices: ['legacy'],
      ingressClass: 'traefik',
    });
  });

  it('counts an empty tls list as no TLS', () => {
    const raw = rawEvent('ingress-without-tls.json');
    const ingress = raw['requestObject'] as { spec: Record<string, unknown> };
    expect(
      fixtureEvent('ingress-without-tls.json', {
        requestObject: { ...ingress, spec: { ...ingress.spec, tls: [] } },
      }).derived?.ingress?.tls,
    ).toBe(false);
  });
});
