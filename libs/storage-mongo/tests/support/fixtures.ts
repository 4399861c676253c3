import { randomUUID } from 'node:crypto';

import { Detection, Outcome, Severity } from '@kubeguard/contracts';
import { startMongoServer, type MongoServerHandle } from '@kubeguard/testing';

import {
  connectMongoAlertStore,
  type MongoAlertStore,
  type MongoAlertStoreOptions,
} from '../../src/index.js';

/** What a test may override in a detection (nested messages in part). */
export type DetectionPatch = {
  [K in keyof Detection]?: NonNullable<Detection[K]> extends readonly unknown[]
    ? Detection[K]
    : NonNullable<Detection[K]> extends Date
      ? Detection[K]
      : NonNullable<Detection[K]> extends object
        ? Partial<NonNullable<Detection[K]>>
        : Detection[K];
};

/** A detection of the anonymous-access rule; `patch` overrides top-level fields. */
export function detection(id: string, patch: DetectionPatch = {}): Detection {
  const fields: DetectionPatch = {
    detectionId: id,
    ruleId: 'anonymous-request-allowed',
    alertType: 'K8S_AnonymousRequestAllowed',
    title: 'Anonymous request allowed: list secrets',
    description: 'The API server answered a request nobody authenticated.',
    severity: Severity.MEDIUM,
    mitreTactics: ['InitialAccess'],
    mitreTechniques: ['T1190'],
    cluster: 'prod',
    actor: {
      username: 'system:anonymous',
      groups: ['system:unauthenticated'],
      sourceIps: ['203.0.113.45'],
      userAgent: 'curl/8.5.0',
    },
    target: { verb: 'list', resource: 'secrets', namespace: 'default' },
    evidence: {
      auditIds: [`audit-${id}`],
      firstSeen: new Date('2026-11-20T09:15:02.000Z'),
      lastSeen: new Date('2026-11-20T09:15:02.000Z'),
      count: 1,
      matched: { requestURI: '/api/v1/namespaces/default/secrets' },
    },
    remediation: ['delete the binding'],
    fingerprint: 'fp-anonymous',
    detector: 'kubeguard-detector',
    outcome: Outcome.ALLOWED,
    ...patch,
  };
  return Detection.fromPartial(
    fields as Parameters<typeof Detection.fromPartial>[0],
  );
}

/** Evidence times for a detection seen at `iso`. */
export function seenAt(id: string, iso: string): DetectionPatch {
  return {
    evidence: {
      auditIds: [`audit-${id}`],
      firstSeen: new Date(iso),
      lastSeen: new Date(iso),
      count: 1,
      matched: {},
    },
  };
}

/** A real MongoDB-wire server and stores on fresh databases of it. */
export interface StoreHarness {
  mongo: MongoServerHandle;
  /** A store on a database of its own; closed by `stop`. */
  open(options?: Partial<MongoAlertStoreOptions>): Promise<MongoAlertStore>;
  stop(): Promise<void>;
}

/** Starts the server; tests open stores on it. */
export async function startStoreHarness(): Promise<StoreHarness> {
  const mongo = await startMongoServer();
  const stores: MongoAlertStore[] = [];
  return {
    mongo,
    async open(options = {}) {
      const store = await connectMongoAlertStore({
        url: mongo.url,
        database: `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`,
        maintenanceIntervalMs: 0,
        ...options,
      });
      stores.push(store);
      return store;
    },
    async stop() {
      await Promise.all(stores.map(s => s.close()));
      await mongo.stop();
    },
  };
}
