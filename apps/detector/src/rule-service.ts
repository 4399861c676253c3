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
import { createEngine, type CompiledRule } from '@kubeguard/rules';

import type { RuleSet } from './rule-set.js';

/**
 * gRPC RuleService over the rules in force: list and get them, and evaluate
 * one rule or all against a supplied event (for testing rules; stateful rules
 * need a stream of events and are not evaluated here).
 */
export function createRuleService(
  ruleSet: RuleSet,
  log: Logger,
): RuleServiceServer {
  const rules = (): readonly CompiledRule[] => ruleSet.current().rules;
  return {
    listRules: unary(log, () =>
      Promise.resolve(
        ListRulesResponse.create({ rules: rules().map(toMessage) }),
      ),
    ),
    getRule: unary(log, request => {
      const rule = rules().find(r => r.doc.id === request.ruleId);
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
        const engine = createEngine({
          pack: ruleSet.current(),
          detector: 'rule-service',
        });
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

function toMessage(rule: CompiledRule): RuleMessage {
  const { doc } = rule;
  return RuleMessage.create({
    ruleId: doc.id,
    alertType: doc.alertType,
    title: doc.name,
    description: doc.description,
    severity: rule.baseSeverity,
    mitreTactics: [...doc.mitre.tactics],
    mitreTechniques: [...doc.mitre.techniques],
    remediation: [...doc.remediation],
    references: [...doc.references],
    status: doc.status,
    version: doc.version,
  });
}
