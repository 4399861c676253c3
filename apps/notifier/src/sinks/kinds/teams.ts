import { Severity } from '@kubeguard/contracts';
import { z } from 'zod';

import { isClosing } from '../../encodings/index.js';
import { commonFields, httpUrl, timeoutMs } from '../config-fields.js';
import type { ResolvedDeps } from '../deps.js';
import { createJsonPostSink } from '../json-post-sink.js';
import type { Notification, Sink } from '../sink.js';
import { messageFacts, truncate } from './message-facts.js';

/** `kind: teams` — a Microsoft Teams Workflows (Power Automate) webhook. */
export const teamsSchema = z.strictObject({
  ...commonFields,
  kind: z.literal('teams'),
  /** The workflow's HTTP trigger URL (it embeds a signature: give it as `${TEAMS_WEBHOOK_URL}`). */
  url: httpUrl(),
  timeoutMs: timeoutMs(),
});

/** A validated Teams sink configuration. */
export type TeamsSinkConfig = z.infer<typeof teamsSchema>;

/** Adaptive Card text colours by severity. */
const SEVERITY_COLOR = new Map<Severity, string>([
  [Severity.CRITICAL, 'Attention'],
  [Severity.HIGH, 'Attention'],
  [Severity.MEDIUM, 'Warning'],
  [Severity.LOW, 'Accent'],
  [Severity.INFO, 'Default'],
]);

/** The media type Teams expects for an Adaptive Card attachment. */
export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * The message the "post to a channel when a webhook request is received"
 * workflow expects: `{type: 'message', attachments: [Adaptive Card 1.4]}` with
 * the title, the description, a FactSet (severity, cluster, actor, target,
 * rule, status), remediation steps and a footer.
 */
export function teamsMessage(
  notification: Notification,
): Record<string, unknown> {
  const facts = messageFacts(notification);
  const color = isClosing(notification)
    ? 'Good'
    : (SEVERITY_COLOR.get(notification.alert.severity) ?? 'Default');
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: truncate(facts.heading, 300),
      weight: 'Bolder',
      size: 'Medium',
      color,
      wrap: true,
    },
  ];
  if (facts.description !== '') {
    body.push({
      type: 'TextBlock',
      text: truncate(facts.description, 3000),
      wrap: true,
    });
  }
  body.push({
    type: 'FactSet',
    facts: [
      { title: 'Severity', value: facts.severity },
      { title: 'Cluster', value: facts.cluster },
      { title: 'Actor', value: truncate(facts.actor, 500) },
      { title: 'Target', value: truncate(facts.target, 500) },
      { title: 'Rule', value: facts.rule },
      { title: 'Status', value: facts.status },
    ],
  });
  if (facts.remediation.length > 0) {
    body.push(
      { type: 'TextBlock', text: 'Remediation', weight: 'Bolder', wrap: true },
      ...facts.remediation.map(step => ({
        type: 'TextBlock',
        text: `- ${truncate(step, 1000)}`,
        wrap: true,
        spacing: 'None',
      })),
    );
  }
  body.push({
    type: 'TextBlock',
    text: facts.footer,
    isSubtle: true,
    size: 'Small',
    wrap: true,
  });
  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD_TYPE,
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

/** Posts one Adaptive Card message per notification. */
export function createTeamsSink(
  config: TeamsSinkConfig,
  deps: ResolvedDeps,
): Sink {
  return createJsonPostSink(config, deps, notification =>
    teamsMessage(notification),
  );
}
