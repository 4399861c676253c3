import type { AuditEvent } from '@kubeguard/contracts';

import {
  decodeBody,
  expandRecord,
  isConverted,
  isSkipped,
} from './formats/index.js';
import { normalizeK8sEvent } from './normalize.js';
import { splitPayload } from './payload.js';
import { isRejection, type Rejection } from './rejection.js';

/** A record that could not be normalized, with its own bytes for the dead letter. */
export interface RejectedRecord {
  /** Zero-based position of the record in its payload. */
  index: number;
  rejection: Rejection;
  raw: Buffer;
}

/** What one payload turned into. */
export interface NormalizedPayload {
  events: AuditEvent[];
  rejected: RejectedRecord[];
  /** Records left out on purpose, by why. */
  skipped: { index: number; why: string }[];
}

/** Subresources whose ResponseStarted stage is the only record of a long-running session. */
// `proxy` too: the API server treats a proxied kubelet exec as long-running.
const STREAMING_SUBRESOURCES = new Set([
  'exec',
  'attach',
  'portforward',
  'proxy',
]);

/**
 * Normalizes every record of a payload, whatever format each is in
 * (Kubernetes audit Events and EventLists, AKS, EKS and GKE exports; plain,
 * gzip or base64-gzip bytes): each becomes an AuditEvent, a rejection with a
 * reason, or a skip with a reason; none is dropped silently. Keeps the stages
 * rules need: ResponseComplete (and Panic), ResponseStarted only for
 * exec/attach/portforward, never RequestReceived; a repeat of the same
 * auditID and stage is skipped.
 */
export function normalizePayload(
  body: Uint8Array | string,
  context: { cluster: string; rawBatchId: string },
): NormalizedPayload {
  const out: NormalizedPayload = { events: [], rejected: [], skipped: [] };
  const text = typeof body === 'string' ? body : decodeBody(body);
  if (typeof text !== 'string') {
    out.rejected.push({ index: 0, rejection: text, raw: Buffer.from(body) });
    return out;
  }
  const seen = new Set<string>();
  for (const record of splitPayload(text)) {
    if ('rejection' in record) {
      out.rejected.push({
        index: record.index,
        rejection: record.rejection,
        raw: Buffer.from(record.raw),
      });
      continue;
    }
    for (const result of expandRecord(record.value)) {
      if (isSkipped(result)) {
        out.skipped.push({ index: record.index, why: result.skip });
        continue;
      }
      if (!isConverted(result)) {
        out.rejected.push({
          index: record.index,
          rejection: result,
          raw: rawOf(record.value),
        });
        continue;
      }
      const event = normalizeK8sEvent(result.event, {
        ...context,
        index: record.index,
      });
      if (isRejection(event)) {
        out.rejected.push({
          index: record.index,
          rejection: event,
          raw: rawOf(result.event),
        });
        continue;
      }
      event.sourceFormat = result.format;
      const why = stageSkipReason(event);
      const key = `${event.auditId}\u0000${event.stage}`;
      if (why !== undefined || seen.has(key)) {
        out.skipped.push({
          index: record.index,
          why: why ?? 'repeat of an event already in this payload',
        });
        continue;
      }
      seen.add(key);
      out.events.push(event);
    }
  }
  return out;
}

function rawOf(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) ?? '');
}

function stageSkipReason(event: AuditEvent): string | undefined {
  if (event.stage === 'RequestReceived') {
    return 'RequestReceived stage: ResponseComplete carries the same request with its outcome';
  }
  // A failed authentication (401) is recorded only at ResponseStarted.
  if (
    event.stage === 'ResponseStarted' &&
    event.responseStatus?.code !== 401 &&
    !STREAMING_SUBRESOURCES.has(event.objectRef?.subresource ?? '')
  ) {
    return 'ResponseStarted stage of a request that is not exec, attach, portforward or proxy';
  }
  return undefined;
}
