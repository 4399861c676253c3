/**
 * Detector throughput on one core with the whole built-in pack (stateful
 * rules included) on a realistic mix: mostly get/list/watch Metadata events,
 * some pod creates and RBAC writes. Also reports how many rules an average
 * event is evaluated against after the verb/resource index.
 */
import { normalizePayload } from '@kubeguard/audit';
import type { AuditEvent } from '@kubeguard/contracts';
import {
  BUILTIN_PACK_DIR,
  createEngine,
  createStatefulEvaluator,
  loadPacks,
} from '@kubeguard/rules';

import { fmt, measure } from './measure.js';
import {
  bindingCreateEvent,
  metadataEvent,
  podCreateEvent,
  seeded,
} from './synthetic-events.js';

const rnd = seeded(7);
const raw = Array.from({ length: 20_000 }, () => {
  const roll = rnd();
  return roll < 0.9
    ? metadataEvent(rnd)
    : roll < 0.97
      ? podCreateEvent(rnd)
      : bindingCreateEvent(rnd);
});
const events: AuditEvent[] = normalizePayload(
  raw.map(e => JSON.stringify(e)).join('\n'),
  {
    cluster: 'bench',
    rawBatchId: 'bench',
  },
).events;

const pack = loadPacks([BUILTIN_PACK_DIR]);
const engine = createEngine({
  pack,
  detector: 'bench',
  stateful: createStatefulEvaluator(),
});

const candidates =
  events.reduce((n, e) => n + engine.candidates(e).length, 0) / events.length;
let i = 0;
let detections = 0;
const rate = measure(() => {
  const event = events[i++ % events.length] as AuditEvent;
  detections += engine.evaluate(event, new Date()).length;
  return 1;
});
process.stdout.write(
  `detector benchmark (one core, ${String(pack.rules.length)} rules, mix: 90 % Metadata get/list/watch/update, 7 % pod creates, 3 % RBAC binding creates)\n`,
);
process.stdout.write(
  `detector                       ${fmt(rate).padStart(8)} events/s | ${fmt(candidates, 2)} rules met per event after the index | ${fmt(detections)} detections during the run\n`,
);
