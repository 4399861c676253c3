export {
  classifyAddress,
  deriveClient,
  deriveIdentity,
  deriveOutcome,
} from './derive.js';
export { decodeBody, expandRecord } from './formats/index.js';
export { normalizeK8sEvent } from './normalize.js';
export { partitionOf, placementOf, subjectIdentities } from './partition.js';
export type { Placement } from './partition.js';
export { normalizePayload } from './pipeline.js';
export { isRecord, splitPayload } from './payload.js';
export {
  REDACTED,
  redactAnnotations,
  redactInline,
  redactObject,
} from './redact.js';
export { isRejection, reject } from './rejection.js';
export { parseMicros } from './time.js';
export { checkWebhookBody } from './webhook-shape.js';

export type {
  ConvertedEvent,
  FormatResult,
  SourceFormat,
} from './formats/index.js';
export type { NormalizeContext } from './normalize.js';
export type { PayloadRecord } from './payload.js';
export type { NormalizedPayload, RejectedRecord } from './pipeline.js';
export type { Rejection, RejectionReason } from './rejection.js';
export type { WebhookShape } from './webhook-shape.js';
