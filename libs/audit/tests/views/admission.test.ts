import {
  AdmissionController,
  Outcome,
  type ResponseStatus,
} from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import { ADMITTED, deriveAdmission } from '../../src/views/admission.js';
import { fixtureEvent } from './fixtures.js';

function status(code: number, reason: string, message: string): ResponseStatus {
  return { code, status: 'Failure', reason, message };
}

describe('admission view', () => {
  it('reads a Pod Security denial: rejected, level, violation, outcome denied', () => {
    const derived = fixtureEvent('pod-security-denied.json').derived;
    expect(derived).toMatchObject({
      outcome: Outcome.DENIED,
      admissionRejected: true,
      admissionController: AdmissionController.POD_SECURITY,
      admissionPolicy: 'baseline:latest',
      admissionReason:
        'privileged (container "app" must not set securityContext.privileged=true)',
    });
    // The rejected pod's spec is still read: rules see what was attempted.
    expect(derived?.podSpecs[0]?.containers[0]?.privileged).toBe(true);
  });

  it('says nothing about admission for an allowed request', () => {
    expect(
      fixtureEvent('pod-create-privileged-hostpath.json').derived,
    ).toMatchObject({
      admissionRejected: false,
      admissionController: AdmissionController.UNSPECIFIED,
      admissionPolicy: '',
      admissionReason: '',
    });
  });

  it.each([
    {
      case: 'a ValidatingAdmissionPolicy denial (422)',
      status: status(
        422,
        'Invalid',
        "deployments.apps \"web\" is invalid: : ValidatingAdmissionPolicy 'replica-limit.example.com' with binding 'replica-limit-binding' denied request: failed expression: object.spec.replicas <= 5",
      ),
      annotations: {},
      expected: {
        rejected: true,
        controller: AdmissionController.VALIDATING_ADMISSION_POLICY,
        policy: 'replica-limit.example.com',
        reason: 'failed expression: object.spec.replicas <= 5',
      },
    },
    {
      case: 'a webhook denial',
      status: status(
        400,
        'BadRequest',
        'admission webhook "validate.kyverno.svc-fail" denied the request: policy disallow-host-path: autogen-host-path: validation error: HostPath volumes are forbidden.',
      ),
      annotations: {},
      expected: {
        rejected: true,
        controller: AdmissionController.WEBHOOK,
        policy: 'validate.kyverno.svc-fail',
        reason:
          'policy disallow-host-path: autogen-host-path: validation error: HostPath volumes are forbidden.',
      },
    },
    {
      case: 'a policy failure annotation with the Deny action',
      status: status(403, 'Forbidden', 'denied'),
      annotations: {
        'validation.policy.admission.k8s.io/validation_failure':
          '[{"message":"no hostPath","policy":"no-hostpath","binding":"no-hostpath-all","expressionIndex":"0","validationActions":["Deny","Audit"]}]',
      },
      expected: {
        rejected: true,
        controller: AdmissionController.VALIDATING_ADMISSION_POLICY,
        policy: 'no-hostpath',
        reason: 'no hostPath',
      },
    },
    {
      case: 'a policy failure annotation with Audit only on a 2xx',
      status: { code: 201, status: '', reason: '', message: '' },
      annotations: {
        'validation.policy.admission.k8s.io/validation_failure':
          '[{"message":"no hostPath","policy":"no-hostpath","validationActions":["Audit"]}]',
      },
      expected: ADMITTED,
    },
    {
      case: 'a broken policy failure annotation',
      status: status(403, 'Forbidden', 'denied'),
      annotations: {
        'validation.policy.admission.k8s.io/validation_failure': '[{',
      },
      expected: ADMITTED,
    },
    {
      case: 'an RBAC denial',
      status: status(
        403,
        'Forbidden',
        'pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "shop"',
      ),
      annotations: { 'authorization.k8s.io/decision': 'forbid' },
      expected: ADMITTED,
    },
    {
      case: 'Pod Security audit violations on an admitted pod',
      status: { code: 201, status: '', reason: '', message: '' },
      annotations: {
        'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
        'pod-security.kubernetes.io/audit-violations':
          'would violate PodSecurity "restricted:latest": privileged',
      },
      expected: ADMITTED,
    },
    {
      case: 'a webhook that failed to answer (500)',
      status: status(
        500,
        'InternalError',
        'Internal error occurred: failed calling webhook "x.example.com": context deadline exceeded',
      ),
      annotations: {},
      expected: ADMITTED,
    },
    {
      case: 'no response status',
      status: undefined,
      annotations: {},
      expected: ADMITTED,
    },
  ])('reads $case', ({ status: responseStatus, annotations, expected }) => {
    expect(deriveAdmission(responseStatus, annotations)).toEqual(expected);
  });

  it('marks a 422 admission rejection denied, not failed', () => {
    const derived = fixtureEvent('pod-security-denied.json', {
      responseStatus: status(
        422,
        'Invalid',
        "pods \"priv\" is invalid: : ValidatingAdmissionPolicy 'no-priv' with binding 'no-priv' denied request: privileged",
      ),
    }).derived;
    expect(derived?.outcome).toBe(Outcome.DENIED);
    expect(derived?.admissionController).toBe(
      AdmissionController.VALIDATING_ADMISSION_POLICY,
    );
  });
});
