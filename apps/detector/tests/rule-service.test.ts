import { readFileSync } from 'node:fs';

import { credentials, status } from '@grpc/grpc-js';
import {
  EvaluateEventRequest,
  RuleServiceClient,
  RuleServiceService,
  Severity,
  type EvaluateEventResponse,
  type GetRuleRequest,
  type GetRuleResponse,
  type ListRulesRequest,
  type ListRulesResponse,
} from '@kubeguard/contracts';
import {
  callUnary,
  startGrpcServer,
  type GrpcServer,
  type UnaryMethod,
} from '@kubeguard/grpc';
import { silentLogger } from '@kubeguard/log';
import { BUILTIN_PACK_DIR } from '@kubeguard/rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRuleSet } from '../src/rule-set.js';
import { createRuleService } from '../src/rule-service.js';

let server: GrpcServer;
let client: RuleServiceClient;
const anonymousEvent = readFileSync(
  new URL(
    '../../../fixtures/k8s-audit/anonymous-list-secrets.json',
    import.meta.url,
  ),
);

beforeAll(async () => {
  const ruleSet = createRuleSet({
    dirs: [BUILTIN_PACK_DIR],
    reloadMs: 0,
    log: silentLogger(),
  });
  server = await startGrpcServer({
    port: 0,
    log: silentLogger(),
    services: [
      [RuleServiceService, createRuleService(ruleSet, silentLogger())],
    ],
  });
  client = new RuleServiceClient(
    `127.0.0.1:${String(server.port)}`,
    credentials.createInsecure(),
  );
});
afterAll(async () => {
  client.close();
  await server.close();
});

const call = <Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
): Promise<Res> => callUnary(client, method, request);

describe('RuleService', () => {
  it('lists the rules with their metadata and gets one', async () => {
    const list = await call<ListRulesRequest, ListRulesResponse>(
      client.listRules,
      {},
    );
    expect(list.rules.length).toBeGreaterThan(60);
    const rule = list.rules.find(r => r.ruleId === 'privileged-container');
    expect(rule).toMatchObject({
      alertType: 'K8S_PrivilegedContainer',
      status: 'stable',
    });
    expect(rule?.mitreTechniques.length).toBeGreaterThan(0);
    const one = await call<GetRuleRequest, GetRuleResponse>(client.getRule, {
      ruleId: 'anonymous-request-allowed',
    });
    expect(one.rule).toMatchObject({
      title: 'Anonymous request allowed',
      severity: Severity.MEDIUM,
    });
    await expect(
      call(client.getRule, { ruleId: 'nope' }),
    ).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('evaluates the pack or one rule against raw audit JSON', async () => {
    const evaluate = (
      req: Partial<EvaluateEventRequest>,
    ): Promise<EvaluateEventResponse> =>
      call(client.evaluateEvent, EvaluateEventRequest.fromPartial(req));
    const all = await evaluate({
      input: { $case: 'auditJson', value: anonymousEvent },
    });
    expect(all.detections.map(d => d.ruleId)).toEqual([
      'anonymous-request-allowed',
    ]);
    const one = await evaluate({
      ruleId: 'privileged-container',
      input: { $case: 'auditJson', value: anonymousEvent },
    });
    expect(one.detections).toEqual([]);
    await expect(
      evaluate({ input: { $case: 'auditJson', value: Buffer.from('{') } }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^audit_json: is not JSON/) as unknown,
    });
    await expect(evaluate({})).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'input: set event or audit_json',
    });
  });
});
