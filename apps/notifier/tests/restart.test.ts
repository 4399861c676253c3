import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connectBus, type Bus } from '@kubeguard/bus';
import { Detection, Severity, detectionSubject } from '@kubeguard/contracts';
import { silentLogger } from '@kubeguard/log';
import {
  alertIdFor,
  connectMongoOutbox,
  type ConnectedOutbox,
  type OutboxItem,
} from '@kubeguard/storage-mongo';
import {
  freePort,
  startMongoServer,
  startNatsServer,
  startService,
  waitFor,
  type MongoServerHandle,
  type NatsServerHandle,
  type ServiceProcess,
} from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AlertChange } from '../src/sinks/sink.js';

const ALERTS = 30;
const BATCH = 5;
const RESPONSE_DELAY_MS = 150;

let nats: NatsServerHandle;
let mongo: MongoServerHandle;
let bus: Bus;
let outbox: ConnectedOutbox<AlertChange>;
let receiver: SlowReceiver;
let dir: string;
let env: Record<string, string>;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  [nats, mongo, receiver, dir] = await Promise.all([
    startNatsServer(),
    startMongoServer(),
    startSlowReceiver(RESPONSE_DELAY_MS),
    mkdtemp(join(tmpdir(), 'kubeguard-restart-')),
  ]);
  const sinksFile = join(dir, 'sinks.yaml');
  // The real webhook sink: one POST per notification, id in a header.
  await writeFile(
    sinksFile,
    `sinks:\n  - id: soc\n    kind: webhook\n    url: ${receiver.url}\n    timeoutMs: 5000\n`,
  );
  const [httpPort, grpcPort] = await Promise.all([freePort(), freePort()]);
  env = {
    NATS_URL: nats.url,
    MONGO_URL: `${mongo.url}restart`,
    HTTP_PORT: String(httpPort),
    GRPC_PORT: String(grpcPort),
    LOG_LEVEL: 'warn',
    SINKS_FILE: sinksFile,
    DELIVERY_BATCH_SIZE: String(BATCH),
    // Short, so the batch the killed notifier held is retried soon.
    DELIVERY_LEASE_MS: '3000',
    DELIVERY_BACKOFF_BASE_MS: '100',
    DELIVERY_POLL_MS: '200',
  };
  outbox = await connectMongoOutbox<AlertChange>({
    url: env['MONGO_URL'] ?? '',
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(running.map(s => s.stop()));
  await bus?.close();
  await outbox?.close();
  await receiver?.close();
  await Promise.all([nats?.stop(), mongo?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const detection = (i: number): Detection =>
  Detection.fromPartial({
    detectionId: `restart-det-${String(i)}`,
    // One alert each: every detection is a notification.
    fingerprint: `restart-fp-${String(i)}`,
    ruleId: 'privileged-pod',
    alertType: 'K8S_PrivilegedContainer',
    title: `Privileged container ${String(i)}`,
    severity: Severity.HIGH,
    cluster: 'prod',
    target: { verb: 'create', resource: 'pods', namespace: 'default' },
    evidence: { auditIds: [`restart-audit-${String(i)}`], count: 1 },
    detector: 'kubeguard-detector',
  });

async function startNotifier(): Promise<ServiceProcess> {
  const service = await startService({
    app: 'notifier',
    env,
  });
  running.push(service);
  return service;
}

describe('a notifier killed mid-delivery', () => {
  it('loses nothing: after a restart every alert reaches the receiver, repeats only from the batch in flight', async ({
    annotate,
  }) => {
    const first = await startNotifier();
    bus = await connectBus({
      url: nats.url,
      service: 'restart-test',
      log: silentLogger(),
    });
    // Killed the moment the 12th notification arrives: its request is then
    // certainly in flight, and by then every detection was handled.
    const KILL_AT = 12;
    receiver.onArrival(count => {
      if (count === KILL_AT) {
        killHard(env['HTTP_PORT'] ?? '');
      }
    });
    for (let i = 0; i < ALERTS; i += 1) {
      const d = detection(i);
      await bus.publish(detectionSubject('high', d.ruleId), Detection, d, {
        msgId: d.detectionId,
      });
    }
    await waitFor(() => (first.hasExited() ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the notifier to be killed mid-delivery',
    });
    expect(await first.stop()).toBe('signal SIGKILL');
    const arrivedBeforeKill = new Set(receiver.arrivals());
    const deliveredAtKill = new Set(await delivered());
    // What the dead notifier held: claimed under its lease, not settled.
    const inFlightAtKill = new Set(await leased());
    // A detection is acked only once its notification is in the outbox: all
    // were, so what is pending there is everything the restart must send.
    expect((await idsWhere(() => true)).length).toBe(ALERTS);
    expect(arrivedBeforeKill.size).toBeLessThan(ALERTS);
    expect(inFlightAtKill.size).toBeGreaterThan(0);
    expect(inFlightAtKill.size).toBeLessThanOrEqual(BATCH);

    const second = await startNotifier();
    await waitFor(
      () => (new Set(receiver.answered()).size === ALERTS ? true : undefined),
      { timeoutMs: 60_000, what: 'every alert at the receiver' },
    );
    await waitFor(async () =>
      (await outbox.counts('soc')).pending === 0 ? true : undefined,
    );

    // No loss: every alert's notification was accepted by the receiver.
    const counts = new Map<string, number>();
    for (const id of receiver.arrivals()) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...expectedIds].sort());
    expect((await delivered()).length).toBe(ALERTS);
    // At least once: a repeat is only a notification the receiver got from
    // the killed notifier before it could record the delivery.
    const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    for (const id of repeated) {
      expect(counts.get(id)).toBe(2);
      expect(arrivedBeforeKill.has(id)).toBe(true);
      expect(inFlightAtKill.has(id)).toBe(true);
      expect(deliveredAtKill.has(id)).toBe(false);
    }
    await annotate(
      `${String(arrivedBeforeKill.size)} of ${String(ALERTS)} had arrived at the kill, ` +
        `${String(inFlightAtKill.size)} were in flight, ${String(repeated.length)} arrived twice`,
    );

    expect(await second.stop()).toBe('code 0');
  }, 120_000);
});

/** The notification of each alert: its first revision, for the sink `soc`. */
const expectedIds = Array.from(
  { length: ALERTS },
  (_, i) => `soc:${alertIdFor(`restart-fp-${String(i)}`)}:r1`,
);

/** Ids of the delivered notifications, from the outbox. */
async function delivered(): Promise<string[]> {
  return idsWhere(item => item.state === 'delivered');
}

/** Ids of pending notifications held under a lease. */
async function leased(): Promise<string[]> {
  return idsWhere(
    item => item.state === 'pending' && item.leaseOwner !== undefined,
  );
}

async function idsWhere(
  keep: (item: OutboxItem<AlertChange>) => boolean,
): Promise<string[]> {
  const items = await Promise.all(expectedIds.map(id => outbox.get(id)));
  return items
    .filter(item => item !== undefined)
    .filter(keep)
    .map(item => item.id);
}

/**
 * SIGKILLs the notifier this test started: the child of this process whose
 * command runs the notifier and whose HTTP_PORT is ours.
 */
function killHard(httpPort: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (
        ppid === process.pid &&
        cmdline.includes('apps/notifier/src/main.ts') &&
        environ.split('\0').includes(`HTTP_PORT=${httpPort}`)
      ) {
        process.kill(Number(entry), 'SIGKILL');
        return;
      }
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  throw new Error(`no notifier child with HTTP_PORT=${httpPort}`);
}

/** A webhook receiver that answers 200 after a delay. */
interface SlowReceiver {
  readonly url: string;
  /** Notification ids in order of arrival (a repeat appears twice). */
  arrivals(): string[];
  /** Ids of requests answered (the sender may have died before reading it). */
  answered(): string[];
  /** Called with the number of arrivals so far, as each one arrives. */
  onArrival(listener: (count: number) => void): void;
  close(): Promise<void>;
}

async function startSlowReceiver(delayMs: number): Promise<SlowReceiver> {
  const arrived: string[] = [];
  const answered: string[] = [];
  let listener: (count: number) => void = () => undefined;
  const server: Server = createServer((req, res) => {
    const id = String(req.headers['x-kubeguard-notification-id'] ?? '');
    req.resume();
    req.on('end', () => {
      arrived.push(id);
      listener(arrived.length);
      setTimeout(() => {
        answered.push(id);
        res.writeHead(200).end();
      }, delayMs);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/hook`,
    arrivals: () => [...arrived],
    answered: () => [...answered],
    onArrival: next => {
      listener = next;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
