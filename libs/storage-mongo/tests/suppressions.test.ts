import { Severity, SuppressionMatch } from '@kubeguard/contracts';
import { InvalidArgumentError, NotFoundError } from '@kubeguard/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  alertIdFor,
  compileMatch,
  readAlertDocument,
  type AlertDocument,
  type MongoAlertStore,
} from '../src/index.js';
import {
  detection,
  startStoreHarness,
  type StoreHarness,
} from './support/fixtures.js';

let harness: StoreHarness;

beforeAll(async () => {
  harness = await startStoreHarness();
});
afterAll(async () => {
  await harness.stop();
});

const T0 = new Date('2026-11-20T10:00:00.000Z');
const HOUR = 3_600_000;
const match = (m: Partial<SuppressionMatch>): SuppressionMatch =>
  SuppressionMatch.fromPartial(m);

describe('suppression rules', () => {
  let store: MongoAlertStore;
  beforeAll(async () => {
    store = await harness.open({ suppressionCacheMs: 60_000 });
  });

  it('stores a rule and lists it with its match and author', async () => {
    const created = await store.createSuppression(
      {
        name: 'ci scanner',
        reason: 'our scanner lists secrets every night',
        expiresAt: new Date(T0.getTime() + HOUR),
        match: match({ cluster: 'ci', actor: 'system:serviceaccount:ci:*' }),
      },
      'alice',
      T0,
    );
    expect(created).toEqual({
      suppressionId: created.suppressionId,
      name: 'ci scanner',
      reason: 'our scanner lists secrets every night',
      createdBy: 'alice',
      createdAt: T0,
      expiresAt: new Date(T0.getTime() + HOUR),
      match: {
        ruleId: '',
        cluster: 'ci',
        namespace: '',
        actor: 'system:serviceaccount:ci:*',
        fields: {},
      },
    });
    expect(created.suppressionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await store.listSuppressions(T0)).toEqual([created]);
    // Past its expiry it is no longer listed.
    expect(
      await store.listSuppressions(new Date(T0.getTime() + 2 * HOUR)),
    ).toEqual([]);
  });

  it('keeps matching alerts, marked and not notified; others are untouched', async () => {
    const rule = await store.createSuppression(
      {
        name: 'kube-system reads',
        reason: 'known controller',
        match: match({
          ruleId: 'anonymous-*',
          namespace: 'kube-system',
          fields: { 'target.resource': 'secrets', 'actor.sourceIps': '10.0.*' },
        }),
      },
      'alice',
      T0,
    );
    const hidden = await store.recordDetection(
      detection('s1', {
        fingerprint: 'fp-supp-1',
        target: { verb: 'list', resource: 'secrets', namespace: 'kube-system' },
        actor: { username: 'x', sourceIps: ['192.0.2.1', '10.0.3.4'] },
      }),
      T0,
    );
    expect(hidden.change).toBe('created');
    expect(hidden.suppressed).toBe(true);
    expect(hidden.notify).toBe(false);
    expect(hidden.alert).toMatchObject({
      suppressed: true,
      suppressedBy: rule.suppressionId,
    });
    expect(hidden.alert.history.at(-1)).toEqual({
      at: T0,
      who: 'notifier',
      action: 'suppressed',
      from: '',
      to: rule.suppressionId,
      comment: 'kube-system reads',
    });

    const shown = await store.recordDetection(
      detection('s2', {
        fingerprint: 'fp-supp-2',
        target: { verb: 'list', resource: 'secrets', namespace: 'default' },
        actor: { username: 'x', sourceIps: ['10.0.3.4'] },
      }),
      T0,
    );
    expect(shown).toMatchObject({ suppressed: false, notify: true });
    expect(shown.alert.suppressedBy).toBe('');
  });

  it('stops applying a rule once it expires, and unmarks the alert on its next change', async () => {
    const rule = await store.createSuppression(
      {
        name: 'maintenance window',
        reason: 'cluster upgrade',
        expiresAt: new Date(T0.getTime() + HOUR),
        match: match({ cluster: 'upgrading' }),
      },
      'bob',
      T0,
    );
    const during = await store.recordDetection(
      detection('e1', { fingerprint: 'fp-exp', cluster: 'upgrading' }),
      new Date(T0.getTime() + HOUR / 2),
    );
    expect(during.suppressed).toBe(true);
    expect(during.alert.suppressedBy).toBe(rule.suppressionId);

    const after = await store.recordDetection(
      detection('e2', { fingerprint: 'fp-exp', cluster: 'upgrading' }),
      new Date(T0.getTime() + HOUR),
    );
    expect(after).toMatchObject({
      change: 'updated',
      suppressed: false,
      notify: true,
    });
    expect(after.alert.suppressedBy).toBe('');
    expect(after.alert.history.at(-1)).toMatchObject({
      action: 'unsuppressed',
      from: rule.suppressionId,
    });
  });

  it('deletes a rule; deleting it again is NOT_FOUND', async () => {
    const rule = await store.createSuppression(
      { name: 'tmp', reason: 'tmp', match: match({ cluster: 'deleted' }) },
      'bob',
      T0,
    );
    expect(
      (
        await store.recordDetection(
          detection('del-1', { fingerprint: 'fp-del-1', cluster: 'deleted' }),
          T0,
        )
      ).suppressed,
    ).toBe(true);
    await store.deleteSuppression(rule.suppressionId);
    // Deleting through this store applies at once despite the long cache.
    expect(
      (
        await store.recordDetection(
          detection('del-2', { fingerprint: 'fp-del-2', cluster: 'deleted' }),
          T0,
        )
      ).suppressed,
    ).toBe(false);
    await expect(store.deleteSuppression(rule.suppressionId)).rejects.toThrow(
      new NotFoundError(`suppression '${rule.suppressionId}' does not exist`),
    );
  });

  it('refuses invalid rules, naming the field', async () => {
    const create = (
      input: Partial<Parameters<MongoAlertStore['createSuppression']>[0]>,
    ) =>
      store.createSuppression(
        { name: 'n', reason: 'r', match: match({ cluster: 'c' }), ...input },
        'bob',
        T0,
      );
    await expect(create({ name: ' ' })).rejects.toThrow(
      new InvalidArgumentError('name', 'required'),
    );
    await expect(create({ reason: '' })).rejects.toThrow(
      new InvalidArgumentError('reason', 'required'),
    );
    await expect(create({ expiresAt: T0 })).rejects.toThrow(
      new InvalidArgumentError(
        'expires_at',
        'must be in the future, got 2026-11-20T10:00:00.000Z',
      ),
    );
    await expect(create({ match: match({}) })).rejects.toThrow(
      new InvalidArgumentError(
        'match',
        'set at least one of rule_id, cluster, namespace, actor or fields',
      ),
    );
    await expect(
      create({ match: match({ fields: { 'target.nope': 'x' } }) }),
    ).rejects.toThrow(/^match\.fields\[target\.nope\]: unknown alert field/);
    await expect(
      create({ match: match({ fields: { 'workload.privileged': 'yes' } }) }),
    ).rejects.toThrow(
      new InvalidArgumentError(
        'match.fields[workload.privileged]',
        "expected 'true' or 'false', got 'yes'",
      ),
    );
    await expect(
      create({ match: match({ fields: { severity: 'urgent' } }) }),
    ).rejects.toThrow(
      new InvalidArgumentError(
        'match.fields[severity]',
        "expected info, low, medium, high or critical, got 'urgent'",
      ),
    );
    await expect(
      create({ match: match({ fields: { 'evidence.matched.a.b': 'x' } }) }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(store.deleteSuppression('')).rejects.toThrow(
      new InvalidArgumentError('suppression_id', 'required'),
    );
  });
});

describe('simulateSuppression', () => {
  let store: MongoAlertStore;
  beforeAll(async () => {
    store = await harness.open();
    const cases: [string, Partial<Parameters<typeof detection>[1]>][] = [
      [
        'sim-1',
        {
          cluster: 'prod',
          actor: { username: 'system:serviceaccount:ci:runner' },
        },
      ],
      [
        'sim-2',
        {
          cluster: 'prod',
          actor: { username: 'system:serviceaccount:ci:deployer' },
        },
      ],
      [
        'sim-3',
        {
          cluster: 'stage',
          actor: { username: 'system:serviceaccount:ci:runner' },
        },
      ],
      [
        'sim-4',
        {
          cluster: 'prod',
          actor: { username: 'alice' },
          severity: Severity.HIGH,
        },
      ],
      [
        'sim-5',
        {
          cluster: 'prod',
          actor: { username: 'bob', groups: ['system:masters'] },
          workload: {
            images: ['docker.io/library/nginx:1.27'],
            privileged: true,
            hostPaths: [],
            serviceAccount: '',
          },
          evidence: {
            auditIds: ['a'],
            count: 1,
            matched: { command: 'sh -c (id)' },
            firstSeen: T0,
            lastSeen: T0,
          },
        },
      ],
    ];
    for (const [id, patch] of cases) {
      await store.recordDetection(
        detection(id, { fingerprint: `fp-${id}`, ...patch }),
        T0,
      );
    }
  });

  it('counts the stored alerts a match would hide and returns them newest first', async () => {
    const result = await store.simulateSuppression(
      match({ actor: 'system:serviceaccount:ci:*' }),
    );
    expect(result.total).toBe(3);
    expect(result.alerts.map(a => a.fingerprint).sort()).toEqual([
      'fp-sim-1',
      'fp-sim-2',
      'fp-sim-3',
    ]);
    const page = await store.simulateSuppression(
      match({ actor: 'system:serviceaccount:ci:*' }),
      2,
    );
    expect(page.total).toBe(3);
    expect(page.alerts).toHaveLength(2);
    // Simulation stores nothing: no rule, no marks.
    expect(await store.listSuppressions(T0)).toEqual([]);
    expect((await store.get(alertIdFor('fp-sim-1')))?.suppressed).toBe(false);
  });

  it('agrees with the rule applied to new alerts, for every kind of criterion', async () => {
    const docs: AlertDocument[] = (
      await store.db.collection<AlertDocument>('alerts').find().toArray()
    ).map(readAlertDocument);
    const table: Partial<SuppressionMatch>[] = [
      { cluster: 'prod' },
      { cluster: 'pro?' },
      { actor: '*ci:runner' },
      { ruleId: 'anonymous-request-allowed', cluster: 'stage' },
      { fields: { severity: 'high' } },
      { fields: { 'actor.groups': 'system:mast*' } },
      { fields: { 'workload.images': 'docker.io/*' } },
      { fields: { 'workload.privileged': 'true' } },
      { fields: { 'evidence.matched.command': 'sh -c (id)' } },
      { fields: { 'evidence.matched.command': 'sh -c (*' } },
      { fields: { 'target.resource': 'secrets', 'target.verb': 'l*t' } },
      { fields: { title: 'Anonymous request allowed: list secrets' } },
      { fields: { title: 'Anonymous*[x]' } },
    ];
    for (const m of table) {
      const compiled = compileMatch({
        ...(m.cluster ? { cluster: m.cluster } : {}),
        ...(m.actor ? { actor: m.actor } : {}),
        ...(m.ruleId ? { ruleId: m.ruleId } : {}),
        ...(m.fields
          ? {
              fields: Object.entries(m.fields).map(([path, value]) => ({
                path,
                value,
              })),
            }
          : {}),
      });
      const inMemory = docs
        .filter(d => compiled.test(d))
        .map(d => d._id)
        .sort();
      const simulated = await store.simulateSuppression(match(m), 1000);
      expect({
        match: m,
        ids: simulated.alerts.map(a => a.alertId).sort(),
      }).toEqual({ match: m, ids: inMemory });
      expect(simulated.total).toBe(inMemory.length);
    }
  });
});
