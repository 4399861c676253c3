import { AuditEvent } from '@kubeguard/contracts';

import { normalizedUnits } from './normalized-units.js';

/** Where output and problems go; injected so tests can capture them. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Totals of one run. */
export interface NormalizeTotals {
  events: number;
  rejected: number;
  skipped: number;
}

/**
 * `kubeguard normalize FILE...`: prints one normalized event per line as
 * JSON, the way the normalizer would publish it, so a user can check that
 * their format is understood. Unusable records are reported on stderr with
 * file, line and reason; they never stop the run.
 */
export async function normalizeCommand(
  files: readonly string[],
  options: { cluster: string },
  io: CommandIo,
): Promise<NormalizeTotals> {
  const totals: NormalizeTotals = { events: 0, rejected: 0, skipped: 0 };
  for await (const { result } of normalizedUnits(files, options.cluster, io)) {
    for (const event of result.events) {
      io.out(JSON.stringify(readableEvent(event)));
    }
    totals.events += result.events.length;
    totals.rejected += result.rejected.length;
    totals.skipped += result.skipped.length;
  }
  return totals;
}

/** The protobuf JSON form, with the request and response bodies shown as objects. */
function readableEvent(event: AuditEvent): Record<string, unknown> {
  const json = AuditEvent.toJSON(event) as Record<string, unknown>;
  delete json['requestObjectJson'];
  delete json['responseObjectJson'];
  if (event.requestObjectJson.length > 0) {
    json['requestObject'] = JSON.parse(
      event.requestObjectJson.toString('utf8'),
    ) as unknown;
  }
  if (event.responseObjectJson.length > 0) {
    json['responseObject'] = JSON.parse(
      event.responseObjectJson.toString('utf8'),
    ) as unknown;
  }
  return json;
}
