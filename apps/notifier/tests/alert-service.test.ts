import { randomUUID } from 'node:crypto';

import { credentials, Metadata, status } from '@grpc/grpc-js';
import {
  AlertServiceClient,
  AlertServiceService,
  AlertStatus,
  CreateSuppressionRequest,
  DeleteSuppressionRequest,
  Detection,
  GetAlertRequest,
  ListAlertsRequest,
  ListSuppressionsRequest,
  Severity,
  SimulateSuppressionRequest,
  UpdateAlertRequest,
  type Alert,
  type CreateSuppressionResponse,
  type GetAlertResponse,
  type ListAlertsResponse,
  type ListSuppressionsResponse,
  type SimulateSuppressionResponse,
  type UpdateAlertResponse,
} from '@kubeguard/contracts';
import {
  callUnary,
  startGrpcServer,
  type GrpcServer,
  type UnaryMethod,
} from '@kubeguard/grpc';
import { silentLogger } from '@kubeguard/log';
import {
  connectMongoAlertStore,
  type MongoAlertStore,
} from '@kubeguard/storage-mongo';
import { startMongoServer, type MongoServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAlertService } from '../src/alert-service.js';

const log = silentLogger();
const TOKENS = {
  alice: 'alice-token-0123456789',
  bob: 'bob-token-0123456789ab',
};
const NOW = new Date('2026-11-20T12:00:00.000Z');

let mongo: MongoServerHandle;
let store: MongoAlertStore;
let server: GrpcServer;
let client: AlertServiceClient;

beforeAll(async () => {
  mongo = await startMongoServer();
  store = await connectMongoAlertStore({
    url: mongo.url,
    database: `svc_${randomUUID().slice(0, 8)}`,
    maintenanceIntervalMs: 0,
  });
  server = await startGrpcServer({
    port: 0,
    log,
    auth: { tokens: TOKENS },
    services: [
      [AlertServiceService, createAlertService(store, log, { now: () => NOW })],
    ],
  });
  client = new AlertServiceClient(
    `127.0.0.1:${String(server.port)}`,
    credentials.createInsecure(),
  );
  const rows: [string, Pick<Detection, 'cluster' | 'severity' | 'title'>][] = [
    [
      's1',
      {
        cluster: 'prod',
        severity: Severity.HIGH,
        title: 'Privileged pod created',
      },
    ],
    ['s2', { cluster: 'prod', severity: Severity.LOW, title: 'Secret listed' }],
    [
      's3',
      {
        cluster: 'stage',
        severity: Severity.CRITICAL,
        title: 'Privileged pod created',
      },
    ],
  ];
  for (const [i, [id, patch]] of rows.entries()) {
    await store.recordDetection(
      Detection.fromPartial({
        detectionId: id,
        fingerprint: `fp-${id}`,
        ruleId: 'r',
        detector: 'kubeguard-detector',
        actor: { username: 'system:anonymous' },
        target: { verb: 'create', resource: 'pods', namespace: 'shop' },
        evidence: { auditIds: [id], firstSeen: NOW, lastSeen: NOW, count: 1 },
        ...patch,
      }),
      new Date(NOW.getTime() + i * 1000),
    );
  }
});
afterAll(async () => {
  client.close();
  await server.close();
  await store.close();
  await mongo.stop();
});

/** Calls a unary method as `who` (a token name), or without credentials. */
function call<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  who: keyof typeof TOKENS | 'nobody' = 'alice',
): Promise<Res> {
  const md = new Metadata();
  if (who !== 'nobody') {
    md.set('authorization', `Bearer ${TOKENS[who]}`);
  }
  return callUnary(client, method, request, md);
}

const list = (req: Partial<ListAlertsRequest>) =>
  call<ListAlertsRequest, ListAlertsResponse>(
    client.listAlerts,
    ListAlertsRequest.fromPartial(req),
  );
const update = (
  req: Partial<UpdateAlertRequest>,
  who: 'alice' | 'bob' = 'alice',
) =>
  call<UpdateAlertRequest, UpdateAlertResponse>(
    client.updateAlert,
    UpdateAlertRequest.fromPartial(req),
    who,
  );
const titles = (alerts: Alert[]) => alerts.map(a => `${a.cluster}:${a.title}`);

describe('AlertService', () => {
  it('refuses calls without a token, naming what to send', async () => {
    await expect(
      call(client.listAlerts, ListAlertsRequest.create(), 'nobody'),
    ).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: 'authentication required: send "authorization: Bearer <token>"',
    });
  });

  it('lists with filters and pages', async () => {
    expect(titles((await list({})).alerts)).toEqual([
      'stage:Privileged pod created',
      'prod:Secret listed',
      'prod:Privileged pod created',
    ]);
    expect(
      titles(
        (await list({ cluster: 'prod', minSeverity: Severity.MEDIUM })).alerts,
      ),
    ).toEqual(['prod:Privileged pod created']);
    expect(
      titles((await list({ text: 'privileged', cluster: 'stage' })).alerts),
    ).toEqual(['stage:Privileged pod created']);
    expect(
      (await list({ namespace: 'shop', actor: 'system:anonymous' })).alerts,
    ).toHaveLength(3);
    expect((await list({ since: new Date(NOW.getTime() + 1) })).alerts).toEqual(
      [],
    );
    const first = await list({ pageSize: 2 });
    expect(first.alerts).toHaveLength(2);
    expect(first.streamCursor).toBe('3');
    const second = await list({ pageSize: 2, pageToken: first.nextPageToken });
    expect(titles(second.alerts)).toEqual(['prod:Privileged pod created']);
    expect(second.nextPageToken).toBe('');
  });

  it('answers INVALID_ARGUMENT naming the field', async () => {
    await expect(list({ pageSize: 5000 })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: "page_size: must be 0-1000, got '5000'",
    });
    await expect(list({ minSeverity: 17 as Severity })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: "min_severity: unknown severity '17'",
    });
    await expect(list({ status: 9 as AlertStatus })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: "status: unknown status '9'",
    });
    await expect(
      list({ since: NOW, until: new Date(NOW.getTime() - 1) }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^until: must be after since/) as unknown,
    });
    await expect(
      call<GetAlertRequest, GetAlertResponse>(
        client.getAlert,
        GetAlertRequest.create(),
      ),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'alert_id: required',
    });
    await expect(update({ alertId: '', comment: 'x' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'alert_id: required',
    });
  });

  it('gets an alert or answers NOT_FOUND', async () => {
    const [alert] = (await list({ cluster: 'stage' })).alerts;
    const got = await call<GetAlertRequest, GetAlertResponse>(
      client.getAlert,
      GetAlertRequest.create({ alertId: alert?.alertId ?? '' }),
    );
    expect(got.alert).toEqual(alert);
    await expect(
      call(client.getAlert, GetAlertRequest.create({ alertId: 'missing' })),
    ).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: "alert 'missing' does not exist",
    });
  });

  it('records updates under the caller token name; an unset assignee stays, an empty one unassigns', async () => {
    const [alert] = (
      await list({ cluster: 'prod', minSeverity: Severity.HIGH })
    ).alerts;
    const alertId = alert?.alertId ?? '';
    const taken = await update({
      alertId,
      status: AlertStatus.IN_PROGRESS,
      assignee: 'alice',
      comment: 'on it',
    });
    expect(taken.alert).toMatchObject({
      status: AlertStatus.IN_PROGRESS,
      assignee: 'alice',
      revision: 2,
      comments: [{ author: 'alice', text: 'on it', at: NOW }],
    });
    expect(taken.alert?.history.slice(1)).toEqual([
      {
        at: NOW,
        who: 'alice',
        action: 'status',
        from: 'new',
        to: 'in_progress',
        comment: '',
      },
      {
        at: NOW,
        who: 'alice',
        action: 'assigned',
        from: '',
        to: 'alice',
        comment: '',
      },
      {
        at: NOW,
        who: 'alice',
        action: 'commented',
        from: '',
        to: '',
        comment: 'on it',
      },
    ]);

    const commented = await update({ alertId, comment: 'handing over' }, 'bob');
    expect(commented.alert?.assignee).toBe('alice');
    expect(commented.alert?.comments.at(-1)?.author).toBe('bob');

    const unassigned = await update({ alertId, assignee: '' }, 'bob');
    expect(unassigned.alert?.assignee).toBe('');
    expect(unassigned.alert?.history.at(-1)).toMatchObject({
      who: 'bob',
      action: 'assigned',
      from: 'alice',
      to: '',
    });

    await expect(
      update({ alertId, status: AlertStatus.NEW }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: "status: cannot go from 'in_progress' to 'new'",
    });
    await expect(
      update({ alertId, status: AlertStatus.DISMISSED }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'reason: required to dismiss an alert',
    });
    await expect(
      update({ alertId: 'missing', comment: 'x' }),
    ).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });

  it('creates, lists, simulates and deletes suppressions', async () => {
    const created = await call<
      CreateSuppressionRequest,
      CreateSuppressionResponse
    >(
      client.createSuppression,
      CreateSuppressionRequest.fromPartial({
        name: 'stage noise',
        reason: 'load tests',
        expiresAt: new Date(NOW.getTime() + 3_600_000),
        match: { cluster: 'stage', fields: { 'target.resource': 'pod?' } },
      }),
      'bob',
    );
    expect(created.suppression).toMatchObject({
      name: 'stage noise',
      reason: 'load tests',
      createdBy: 'bob',
      createdAt: NOW,
      expiresAt: new Date(NOW.getTime() + 3_600_000),
      match: { cluster: 'stage', fields: { 'target.resource': 'pod?' } },
    });
    const id = created.suppression?.suppressionId ?? '';

    const listed = await call<
      ListSuppressionsRequest,
      ListSuppressionsResponse
    >(client.listSuppressions, ListSuppressionsRequest.create());
    expect(listed.suppressions.map(s => s.suppressionId)).toEqual([id]);

    const simulated = await call<
      SimulateSuppressionRequest,
      SimulateSuppressionResponse
    >(
      client.simulateSuppression,
      SimulateSuppressionRequest.fromPartial({
        match: { actor: 'system:*' },
      }),
    );
    expect(simulated.total).toBe(3);
    const stage = await call<
      SimulateSuppressionRequest,
      SimulateSuppressionResponse
    >(
      client.simulateSuppression,
      SimulateSuppressionRequest.fromPartial({ match: { cluster: 'stage' } }),
    );
    expect(stage.total).toBe(1);
    expect(titles(stage.alerts)).toEqual(['stage:Privileged pod created']);

    await expect(
      call(
        client.createSuppression,
        CreateSuppressionRequest.fromPartial({
          name: 'bad',
          reason: 'r',
          match: { fields: { 'target.colour': 'x' } },
        }),
      ),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(
        /^match\.fields\[target\.colour\]: unknown alert field/,
      ) as unknown,
    });
    await expect(
      call(
        client.simulateSuppression,
        SimulateSuppressionRequest.fromPartial({ match: {} }),
      ),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details:
        'match: set at least one of rule_id, cluster, namespace, actor or fields',
    });

    await call(
      client.deleteSuppression,
      DeleteSuppressionRequest.create({ suppressionId: id }),
    );
    await expect(
      call(
        client.deleteSuppression,
        DeleteSuppressionRequest.create({ suppressionId: id }),
      ),
    ).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: `suppression '${id}' does not exist`,
    });
  });
});
