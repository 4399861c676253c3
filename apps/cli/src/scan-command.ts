import {
  type Detection,
  Severity,
  type AuditEvent,
} from '@kubeguard/contracts';
import {
  createEngine,
  createStatefulEvaluator,
  loadPacks,
} from '@kubeguard/rules';

import type { CommandIo } from './normalize-command.js';
import { normalizedUnits } from './normalized-units.js';

/** Options of `kubeguard scan`. */
export interface ScanOptions {
  /** Pack directories: the built-in one first, then site packs. */
  packDirs: readonly string[];
  json: boolean;
  cluster: string;
  /** Called now and then with the running totals, for a progress line. */
  progress?: (totals: ScanTotals, file: string) => void;
}

/** Totals of a scan. */
export interface ScanTotals {
  events: number;
  detections: number;
  rejected: number;
  bytes: number;
}

/** One detection with where its event was read. */
interface Found {
  detection: Detection;
  file: string;
  line: number;
}

/**
 * `kubeguard scan FILE...`: the whole pipeline in one process with no NATS and
 * no database. Reads any format the normalizer knows, runs the rule pack
 * (stateful rules included, over the files in order) and prints detections as
 * a table, or as one JSON object per line with `--json`. Unreadable records go
 * to stderr with file, line and reason and do not stop the scan.
 * @throws RuleLoadError when the rules cannot be loaded, or a file error when a file cannot be read
 */
export async function scanCommand(
  files: readonly string[],
  options: ScanOptions,
  io: CommandIo,
): Promise<ScanTotals> {
  const engine = createEngine({
    pack: loadPacks(options.packDirs),
    detector: 'kubeguard-scan',
    stateful: createStatefulEvaluator({ trackChanges: false }),
  });
  const totals: ScanTotals = {
    events: 0,
    detections: 0,
    rejected: 0,
    bytes: 0,
  };
  const table: Found[] = [];
  let lastProgress = Date.now();
  for await (const unit of normalizedUnits(files, options.cluster, io)) {
    totals.bytes += unit.size;
    totals.rejected += unit.result.rejected.length;
    for (const event of unit.result.events) {
      totals.events += 1;
      for (const detection of engine.evaluate(event, eventTime(event))) {
        totals.detections += 1;
        const found = { detection, file: unit.file, line: unit.line };
        if (options.json) {
          io.out(JSON.stringify(jsonLine(found, event)));
        } else {
          table.push(found);
        }
      }
    }
    if (options.progress && Date.now() - lastProgress > 500) {
      lastProgress = Date.now();
      options.progress(totals, unit.file);
    }
  }
  if (!options.json) {
    printTable(table, io);
  }
  return totals;
}

/** Stateful windows follow the events' own clock when scanning old logs. */
function eventTime(event: AuditEvent): Date {
  const micros = event.stageUnixMicros || event.requestReceivedUnixMicros;
  return micros > 0 ? new Date(Math.floor(micros / 1000)) : new Date();
}

function severityName(severity: Severity): string {
  return (Severity[severity] ?? 'UNSPECIFIED').toLowerCase();
}

function jsonLine(
  { detection, file, line }: Found,
  event: AuditEvent,
): Record<string, unknown> {
  return {
    ruleId: detection.ruleId,
    alertType: detection.alertType,
    severity: severityName(detection.severity),
    title: detection.title,
    auditId: event.auditId,
    file,
    line,
    cluster: detection.cluster,
    time: detection.evidence?.lastSeen?.toISOString(),
    actor: detection.actor?.username,
    sourceIp: detection.actor?.sourceIps[0],
    verb: detection.target?.verb,
    resource: detection.target?.resource,
    namespace: detection.target?.namespace,
    name: detection.target?.name,
    mitreTechniques: detection.mitreTechniques,
    evidenceAuditIds: detection.evidence?.auditIds,
    detectionId: detection.detectionId,
  };
}

function printTable(rows: readonly Found[], io: CommandIo): void {
  const lines = rows.map(({ detection, file, line }) => [
    detection.evidence?.lastSeen?.toISOString().replace(/\.\d+Z$/, 'Z') ?? '',
    severityName(detection.severity).toUpperCase(),
    detection.ruleId,
    `${file}:${String(line)}`,
    detection.title,
  ]);
  const header = ['TIME', 'SEVERITY', 'RULE', 'WHERE', 'TITLE'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map(l => (l[i] ?? '').length)),
  );
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ');
  io.out(format(header));
  for (const cells of lines) {
    io.out(format(cells));
  }
}
