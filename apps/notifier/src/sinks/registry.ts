import type { z } from 'zod';

import type { ResolvedDeps } from './deps.js';
import {
  alertmanagerSchema,
  createAlertmanagerSink,
} from './kinds/alertmanager.js';
import {
  createElasticsearchSink,
  elasticsearchSchema,
} from './kinds/elasticsearch.js';
import { createFileSink, fileSchema } from './kinds/file.js';
import { createPagerdutySink, pagerdutySchema } from './kinds/pagerduty.js';
import { createSlackSink, slackSchema } from './kinds/slack.js';
import { createSplunkHecSink, splunkHecSchema } from './kinds/splunk-hec.js';
import { createStdoutSink, stdoutSchema } from './kinds/stdout.js';
import { createSyslogSink, syslogSchema } from './kinds/syslog.js';
import { createTeamsSink, teamsSchema } from './kinds/teams.js';
import { createWebhookSink, webhookSchema } from './kinds/webhook.js';
import type { Sink } from './sink.js';

/** A sink kind: the schema of its configuration and the factory. */
interface SinkKindDefinition<Config> {
  schema: z.ZodType<Config, unknown>;
  create(config: Config, deps: ResolvedDeps): Sink;
}

const define = <S extends z.ZodType>(
  schema: S,
  create: (config: z.output<S>, deps: ResolvedDeps) => Sink,
): {
  schema: S;
  create: (config: z.output<S>, deps: ResolvedDeps) => Sink;
} => ({
  schema,
  create,
});

/** Every sink kind by its `kind` value. */
export const SINK_KINDS = {
  stdout: define(stdoutSchema, createStdoutSink),
  file: define(fileSchema, createFileSink),
  webhook: define(webhookSchema, createWebhookSink),
  slack: define(slackSchema, createSlackSink),
  teams: define(teamsSchema, createTeamsSink),
  'splunk-hec': define(splunkHecSchema, createSplunkHecSink),
  elasticsearch: define(elasticsearchSchema, createElasticsearchSink),
  syslog: define(syslogSchema, createSyslogSink),
  alertmanager: define(alertmanagerSchema, createAlertmanagerSink),
  pagerduty: define(pagerdutySchema, createPagerdutySink),
};

/** A `kind` value. */
export type SinkKind = keyof typeof SINK_KINDS;

/** A validated configuration of any sink kind, discriminated by `kind`. */
export type SinkConfig = {
  [K in SinkKind]: z.output<(typeof SINK_KINDS)[K]['schema']>;
}[SinkKind];

/** Whether `kind` names a sink kind. */
export function isSinkKind(kind: string): kind is SinkKind {
  return Object.hasOwn(SINK_KINDS, kind);
}

/** Builds the sink a configuration describes. */
export function createSink(config: SinkConfig, deps: ResolvedDeps): Sink {
  // The map pairs each kind with its own factory; TypeScript cannot follow
  // that correlation through a union, hence the widening.
  const definition = SINK_KINDS[config.kind] as SinkKindDefinition<SinkConfig>;
  return definition.create(config, deps);
}
