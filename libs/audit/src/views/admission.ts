import { AdmissionController, type ResponseStatus } from '@kubeguard/contracts';

import { list, optString, record, strings } from './accessors.js';

/** Why admission refused a request, if it did. */
export interface AdmissionFacts {
  readonly rejected: boolean;
  readonly controller: AdmissionController;
  /** Pod Security level, ValidatingAdmissionPolicy name or webhook name. */
  readonly policy: string;
  readonly reason: string;
}

export const ADMITTED: AdmissionFacts = {
  rejected: false,
  controller: AdmissionController.UNSPECIFIED,
  policy: '',
  reason: '',
};

const ENFORCE_POLICY = 'pod-security.kubernetes.io/enforce-policy';
const VAP_FAILURE = 'validation.policy.admission.k8s.io/validation_failure';

// The API server's own wording, e.g.
//   pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged (...)
//   ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed expression: ...
//   admission webhook "validate.example.com" denied the request: ...
const POD_SECURITY = /violates PodSecurity "([^"]*)":\s*([\s\S]*)$/;
const VAP =
  /ValidatingAdmissionPolicy '([^']*)'[^:]* denied request:\s*([\s\S]*)$/;
const WEBHOOK = /admission webhook "([^"]*)" denied the request:?\s*([\s\S]*)$/;

/**
 * Whether an admission controller refused the request: a 4xx response (not
 * 401, which is authentication) whose message is Pod Security's, a
 * ValidatingAdmissionPolicy's or a webhook's denial, or that carries a
 * ValidatingAdmissionPolicy failure whose actions include Deny.
 * Authorization denials (`forbidden: User ... cannot ...`) are not admission.
 */
export function deriveAdmission(
  status: ResponseStatus | undefined,
  annotations: Record<string, string>,
): AdmissionFacts {
  const code = status?.code ?? 0;
  if (code < 400 || code >= 500 || code === 401) {
    return ADMITTED;
  }
  const message = status?.message ?? '';
  if (message.includes('violates PodSecurity')) {
    const match = POD_SECURITY.exec(message);
    return {
      rejected: true,
      controller: AdmissionController.POD_SECURITY,
      policy: match?.[1] ?? annotations[ENFORCE_POLICY] ?? '',
      reason: match?.[2] ?? message,
    };
  }
  if (message.includes('ValidatingAdmissionPolicy')) {
    const match = VAP.exec(message);
    if (match) {
      return {
        rejected: true,
        controller: AdmissionController.VALIDATING_ADMISSION_POLICY,
        policy: match[1] ?? '',
        reason: match[2] ?? message,
      };
    }
  }
  if (message.includes('admission webhook')) {
    const match = WEBHOOK.exec(message);
    if (match) {
      return {
        rejected: true,
        controller: AdmissionController.WEBHOOK,
        policy: match[1] ?? '',
        reason: match[2] ?? message,
      };
    }
  }
  const failure = annotations[VAP_FAILURE];
  return failure === undefined ? ADMITTED : denyingPolicyFailure(failure);
}

/**
 * The annotation holds a JSON array of failures, each with the policy, the
 * message and its validationActions; only a Deny action refuses the request
 * (Audit and Warn let it through).
 */
function denyingPolicyFailure(annotation: string): AdmissionFacts {
  let failures: unknown;
  try {
    failures = JSON.parse(annotation);
  } catch {
    return ADMITTED;
  }
  for (const item of list(failures) ?? []) {
    const failure = record(item);
    if (strings(failure?.['validationActions']).includes('Deny')) {
      return {
        rejected: true,
        controller: AdmissionController.VALIDATING_ADMISSION_POLICY,
        policy: optString(failure?.['policy']) ?? '',
        reason: optString(failure?.['message']) ?? '',
      };
    }
  }
  return ADMITTED;
}
