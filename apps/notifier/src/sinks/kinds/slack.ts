import { Severity } from '@kubeguard/contracts';
import { z } from 'zod';

import { isClosing } from '../../encodings/index.js';
import { commonFields, httpUrl, timeoutMs } from '../config-fields.js';
import type { ResolvedDeps } from '../deps.js';
import { createJsonPostSink } from '../json-post-sink.js';
import type { Notification, Sink } from '../sink.js';
import { messageFacts, truncate } from './message-facts.js';

/** `kind: slack` — a Slack incoming webhook. */
export const slackSchema = z.strictObject({
  ...commonFields,
  kind: z.literal('slack'),
  /** The incoming-webhook URL; it is a secret: give it as `${SLACK_WEBHOOK_URL}`. */
  url: httpUrl(),
  timeoutMs: timeoutMs(),
});

/** A validated Slack sink configuration. */
export type SlackSinkConfig = z.infer<typeof slackSchema>;

const SEVERITY_EMOJI = new Map<Severity, string>([
  [Severity.CRITICAL, ':rotating_light:'],
  [Severity.HIGH, ':red_circle:'],
  [Severity.MEDIUM, ':large_orange_circle:'],
  [Severity.LOW, ':large_yellow_circle:'],
  [Severity.INFO, ':large_blue_circle:'],
]);

/** Escapes the three characters Slack treats as control sequences (links, mentions). */
export function escapeSlack(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

// verbatim: no auto-linking of URLs, channel names or mentions in alert text,
// which comes from audit events an attacker may have shaped.
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

const code = (value: string): string =>
  `\`${escapeSlack(value.replace(/`/g, "'"))}\``;

/**
 * The Slack message: `text` (the push-notification fallback) and Block Kit
 * blocks — header with severity and title; fields severity, cluster, actor,
 * target, rule, status; the description; remediation; a context line with
 * the alert id, counts and ATT&CK ids. No links: alert text is escaped and
 * marked verbatim, and unfurling is off.
 */
export function slackMessage(
  notification: Notification,
): Record<string, unknown> {
  const facts = messageFacts(notification);
  const emoji = isClosing(notification)
    ? ':white_check_mark:'
    : (SEVERITY_EMOJI.get(notification.alert.severity) ?? ':grey_question:');
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`${emoji} ${facts.heading}`, 150),
        emoji: true,
      },
    },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Severity*\n${escapeSlack(facts.severity)}`),
        mrkdwn(`*Cluster*\n${code(facts.cluster)}`),
        mrkdwn(`*Actor*\n${code(truncate(facts.actor, 1900))}`),
        mrkdwn(`*Target*\n${code(truncate(facts.target, 1900))}`),
        mrkdwn(`*Rule*\n${code(facts.rule)}`),
        mrkdwn(`*Status*\n${escapeSlack(facts.status)}`),
      ],
    },
  ];
  if (facts.description !== '') {
    blocks.push({
      type: 'section',
      text: mrkdwn(escapeSlack(truncate(facts.description, 2900))),
    });
  }
  if (facts.remediation.length > 0) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        truncate(
          `*Remediation*\n${facts.remediation.map(step => `• ${escapeSlack(step)}`).join('\n')}`,
          2900,
        ),
      ),
    });
  }
  blocks.push({
    type: 'context',
    elements: [mrkdwn(escapeSlack(truncate(facts.footer, 2900)))],
  });
  return {
    text: escapeSlack(truncate(facts.heading, 3000)),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** Posts one Slack message per notification. */
export function createSlackSink(
  config: SlackSinkConfig,
  deps: ResolvedDeps,
): Sink {
  return createJsonPostSink(config, deps, notification =>
    slackMessage(notification),
  );
}
