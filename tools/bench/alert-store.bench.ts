/**
 * Alert aggregation throughput: detections/s through `recordDetection` into a
 * real MongoDB-wire server (the harness's: MONGO_URL, else mongod on PATH,
 * else FerretDB 1.24 on SQLite), with the latency of each call. The mix is
 * what a busy cluster sends: 20 % detections of new fingerprints, 75 %
 * repeats of a hot set of 200 fingerprints, 5 % redeliveries of detections
 * already recorded. Run alone with
 *   node --conditions=@kubeguard/source --import tsx tools/bench/alert-store.bench.ts
 * or with every benchmark through `npm run bench`.
 */
import { randomUUID } from 'node:crypto';

import { Detection, Outcome, Severity } from '@kubeguard/contracts';
import {
  connectMongoAlertStore,
  type MongoAlertStore,
  type RecordResult,
} from '@kubeguard/storage-mongo';
import { startMongoServer } from '@kubeguard/testing';

import { fmt } from './measure.js';
import { seeded } from './synthetic-events.js';

const DETECTIONS = Number(process.env['BENCH_DETECTIONS'] ?? 1000);
const HOT_FINGERPRINTS = 200;
const WARMUP = 200;

function detection(id: string, fingerprint: string, at: Date): Detection {
  return Detection.fromPartial({
    detectionId: id,
    ruleId: 'secret-read-burst',
    alertType: 'K8S_SecretReadBurst',
    title: `Burst of secret reads by ${fingerprint}`,
    description: 'One identity read many secrets in a short window.',
    severity: Severity.HIGH,
    mitreTactics: ['CredentialAccess'],
    mitreTechniques: ['T1552.007'],
    cluster: 'bench',
    actor: {
      username: `system:serviceaccount:apps:${fingerprint}`,
      groups: ['system:serviceaccounts'],
      sourceIps: ['10.20.0.14'],
      userAgent: 'kubectl/v1.31.2',
    },
    target: { verb: 'get', resource: 'secrets', namespace: 'apps' },
    evidence: {
      auditIds: [randomUUID()],
      firstSeen: at,
      lastSeen: at,
      count: 1,
      matched: { requestURI: '/api/v1/namespaces/apps/secrets/db' },
    },
    remediation: ['Review the RBAC bindings of the service account.'],
    fingerprint,
    detector: 'bench',
    detectedAt: at,
    outcome: Outcome.ALLOWED,
  });
}

/** The workload: ids and fingerprints, decided up front so runs compare. */
function workload(count: number, seed: number, prefix: string): Detection[] {
  const rnd = seeded(seed);
  const recorded: Detection[] = [];
  const out: Detection[] = [];
  let fresh = 0;
  for (let i = 0; i < count; i += 1) {
    const at = new Date(Date.UTC(2026, 10, 20, 12, 0, 0, i));
    const roll = rnd();
    let next: Detection;
    const earlier = recorded[Math.floor(rnd() * recorded.length)];
    if (roll < 0.05 && earlier !== undefined) {
      next = earlier;
    } else if (roll < 0.25) {
      fresh += 1;
      next = detection(
        `${prefix}-d${String(i)}`,
        `${prefix}-new-${String(fresh)}`,
        at,
      );
    } else {
      const hot = Math.floor(rnd() * HOT_FINGERPRINTS);
      next = detection(
        `${prefix}-d${String(i)}`,
        `${prefix}-hot-${String(hot)}`,
        at,
      );
    }
    recorded.push(next);
    out.push(next);
  }
  return out;
}

interface RunResult {
  rate: number;
  p50: number;
  p99: number;
  changes: Record<RecordResult['change'], number>;
}

/** Records the detections with `concurrency` calls in flight. */
async function run(
  store: MongoAlertStore,
  detections: readonly Detection[],
  concurrency: number,
): Promise<RunResult> {
  const latencies: number[] = [];
  const changes: RunResult['changes'] = {
    created: 0,
    updated: 0,
    reopened: 0,
    duplicate: 0,
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < detections.length) {
      const item = detections[next++] as Detection;
      const start = performance.now();
      const result = await store.recordDetection(item, new Date());
      latencies.push(performance.now() - start);
      changes[result.change] += 1;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[
      Math.min(latencies.length - 1, Math.floor(q * latencies.length))
    ] ?? 0;
  return {
    rate: detections.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    changes,
  };
}

const mongo = await startMongoServer({
  log: line => {
    if (/building|ready|waiting/.test(line)) {
      process.stderr.write(`${line}\n`);
    }
  },
});
try {
  process.stdout.write(
    `alert store benchmark (${mongo.kind}; ${fmt(DETECTIONS)} detections per run: 20 % new fingerprints, 75 % repeats of ${String(HOT_FINGERPRINTS)} hot ones, 5 % redeliveries)\n`,
  );
  for (const concurrency of [1, 4]) {
    const store = await connectMongoAlertStore({
      url: mongo.url,
      database: `bench_${randomUUID().slice(0, 8)}`,
      maintenanceIntervalMs: 0,
    });
    try {
      await run(store, workload(WARMUP, 11, 'warm'), concurrency);
      const result = await run(
        store,
        workload(DETECTIONS, 7, `c${String(concurrency)}`),
        concurrency,
      );
      const stored = (await store.list({ pageSize: 1 })).streamCursor;
      process.stdout.write(
        `  ${String(concurrency)} in flight: ${fmt(result.rate)} detections/s   p50 ${fmt(result.p50, 1)} ms   p99 ${fmt(result.p99, 1)} ms   ` +
          `(created ${fmt(result.changes.created)}, updated ${fmt(result.changes.updated)}, duplicate ${fmt(result.changes.duplicate)}; ${stored} changes committed)\n`,
      );
    } finally {
      await store.close();
    }
  }
} finally {
  await mongo.stop();
}
