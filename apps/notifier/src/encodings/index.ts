import { cefEncoder } from './cef.js';
import { cloudEventsEncoder } from './cloudevents.js';
import { ecsEncoder } from './ecs.js';
import { nativeJsonEncoder } from './native-json.js';
import { ocsfEncoder } from './ocsf.js';
import type { Encoder, EncodingName, Payload } from './types.js';

/** Every encoding by name. */
export const ENCODERS: Readonly<Record<EncodingName, Encoder>> = {
  json: nativeJsonEncoder,
  ocsf: ocsfEncoder,
  ecs: ecsEncoder,
  cef: cefEncoder,
  cloudevents: cloudEventsEncoder,
};

/** A payload as one line of text: JSON without line breaks, or the CEF line. */
export function payloadText(payload: Payload): string {
  return payload.format === 'json'
    ? JSON.stringify(payload.value)
    : payload.value;
}

export {
  alertTags,
  alertTime,
  extraField,
  extraStrings,
  isClosing,
  SEVERITY_BY_NAME,
  SEVERITY_NAMES,
  severityLabel,
  severityName,
  statusName,
  outcomeName,
  targetText,
} from './alert-facts.js';
export { encodeCef, escapeCefHeader, escapeCefValue } from './cef.js';
export { CLOUDEVENT_TYPE_PREFIX, encodeCloudEvent } from './cloudevents.js';
export { ECS_VERSION, encodeEcs } from './ecs.js';
export { alertJson, encodeNativeJson, NATIVE_SCHEMA } from './native-json.js';
export { encodeOcsf, OCSF_VERSION, ocsfActivity, ocsfAttacks } from './ocsf.js';
export { PRODUCT_NAME, PRODUCT_VERSION, VENDOR_NAME } from './product.js';
export { ENCODING_NAMES } from './types.js';
export type { SeverityName } from './alert-facts.js';
export type { EncodeContext, Encoder, EncodingName, Payload } from './types.js';
