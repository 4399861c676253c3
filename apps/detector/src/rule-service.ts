import { isRejection, normalizeK8sEvent } from '@kubeguard/audit';
import {
  EvaluateEventResponse,
  GetRuleResponse,
  ListRulesResponse,
  Rule as RuleMessage,
  type AuditEvent,
  type EvaluateEventRequest,
  type RuleServiceServer,
} from '@kubeguard/contracts';
import { InvalidArgumentError, NotFoundError } from '@kubeguard/errors';
import { unary } from '@kubeguard/grpc';
import type { Logger } from '@kubeguard/log';
import type { Engine, Rule } from '@kubeguard/rules';

/** gRPC RuleService over the running engine. */
export function createRuleService(
  engine: Engine,
  log: Logger,
): RuleServiceServer {
  const byId = new Map(engine.rules.map(rule => [rule.id, rule]));
  return {
    listRules: unary(log, () =>
      Promise.resolve(
        ListRulesResponse.create({ rules: engine.rules.map(toMessage) }),
      ),
    ),
    getRule: unary(log, request => {
      const rule = byId.get(request.ruleId);
      return rule
        ? Promise.resolve(GetRuleResponse.create({ rule: toMessage(rule) }))
        : Promise.reject(
            new NotFoundError(`rule '${request.ruleId}' does not exist`),
          );
    }),
    evaluateEvent: unary(log, request =>
      Promise.resolve().then(() => {
        const event = eventOf(request);
        const now = new Date();
        if (request.ruleId === '') {
          return EvaluateEventResponse.create({
            detections: engine.evaluate(event, now),
          });
        }
        const detections = engine.evaluateRule(request.ruleId, event, now);
        if (!detections) {
          throw new NotFoundError(`rule '${request.ruleId}' does not exist`);
        }
        return EvaluateEventResponse.create({ detections });
      }),
    ),
  };
}

function eventOf(request: EvaluateEventRequest): AuditEvent {
  const input = request.input;
  if (input?.$case === 'event') {
    return input.value;
  }
  if (input?.$case === 'auditJson') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.value.toString('utf8'));
    } catch (err) {
      throw new InvalidArgumentError(
        'audit_json',
        `is not JSON: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const event = normalizeK8sEvent(parsed, {
      cluster: 'evaluate',
      rawBatchId: '',
      index: 0,
    });
    if (isRejection(event)) {
      throw new InvalidArgumentError('audit_json', event.detail);
    }
    return event;
  }
  throw new InvalidArgumentError('input', 'set event or audit_json');
}

function toMessage(rule: Rule): RuleMessage {
  return RuleMessage.create({
    ruleId: rule.id,
    alertType: rule.alertType,
    title: rule.name,
    description: rule.description,
    severity: rule.baseSeverity,
    mitreTactics: [...rule.mitre.tactics],
    mitreTechniques: [...rule.mitre.techniques],
    remediation: [...rule.remediation],
    references: [...rule.references],
    status: rule.status,
    version: rule.version,
  });
}
