import { z } from 'zod';

/** Severity names, lowest first. */
export const SEVERITIES = [
  'info',
  'low',
  'medium',
  'high',
  'critical',
] as const;
export type SeverityName = (typeof SEVERITIES)[number];

const cel = z.string().min(1, 'must be a CEL expression');
const duration = z
  .string()
  .regex(
    /^\d+(ms|s|m|h|d)$/,
    "expected a duration such as '30s', '5m', '24h' or '7d'",
  );

/** A named exception: when it matches, the rule does not fire. */
export const exceptionSchema = z
  .object({
    name: z.string().min(1),
    /** A CEL condition over the event. */
    when: cel.optional(),
    /** Falco-style tuples: the event's values of `fields` equal one row of `values`. */
    fields: z.array(z.string().min(1)).min(1).optional(),
    values: z.array(z.array(z.string())).optional(),
    reason: z.string().optional(),
  })
  .strict()
  .refine(e => (e.when !== undefined) !== (e.fields !== undefined), {
    message: "set either 'when' or 'fields' with 'values'",
  })
  .refine(
    e =>
      e.fields === undefined ||
      (e.values ?? []).every(row => row.length === e.fields?.length),
    {
      message:
        "every row of 'values' must have one value per entry of 'fields'",
    },
  );

/** Stateful behaviour: counts, distinct values, first-seen terms, sequences. */
export const aggregateSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('count'),
      /** CEL expressions whose values make the group key. */
      groupBy: z.array(cel).min(1),
      window: duration,
      /** Fires when the count in the window reaches this. */
      threshold: z.number().int().positive(),
    })
    .strict(),
  z
    .object({
      type: z.literal('distinct'),
      groupBy: z.array(cel).min(1),
      /** The value whose distinct count is taken. */
      distinct: cel,
      window: duration,
      threshold: z.number().int().positive(),
    })
    .strict(),
  z
    .object({
      type: z.literal('new-term'),
      groupBy: z.array(cel).min(1),
      /** The value that must not have been seen for the group within `history`. */
      term: cel,
      history: duration,
    })
    .strict(),
  z
    .object({
      type: z.literal('sequence'),
      /** The join key: every step must have the same value. */
      by: cel,
      maxSpan: duration,
      steps: z
        .array(z.object({ name: z.string().min(1), condition: cel }).strict())
        .min(2),
    })
    .strict(),
]);

/** An example event for the rule's own tests: a raw audit.k8s.io Event. */
const exampleSchema = z
  .object({
    name: z.string().min(1),
    event: z.record(z.string(), z.unknown()).optional(),
    /** For sequences and windows: several events in order. */
    events: z.array(z.record(z.string(), z.unknown())).min(1).optional(),
  })
  .strict()
  .refine(e => (e.event !== undefined) !== (e.events !== undefined), {
    message: "set either 'event' or 'events'",
  });

/** One rule file. */
export const ruleSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected a kebab-case id'),
    alertType: z
      .string()
      .regex(/^K8S_[A-Za-z0-9_]+$/, "expected a 'K8S_*' alert type"),
    name: z.string().min(1),
    title: z.string().min(1),
    description: z.string().min(1),
    severity: z.enum(SEVERITIES),
    severityModifiers: z
      .array(z.object({ when: cel, severity: z.enum(SEVERITIES) }).strict())
      .default([]),
    mitre: z
      .object({
        tactics: z
          .array(
            z
              .string()
              .regex(/^TA\d{4}$/, "expected an ATT&CK tactic id like 'TA0001'"),
          )
          .min(1),
        techniques: z
          .array(
            z
              .string()
              .regex(
                /^T\d{4}(\.\d{3})?$/,
                "expected an ATT&CK technique id like 'T1078.001'",
              ),
          )
          .min(1),
      })
      .strict(),
    match: z
      .object({
        verbs: z.array(z.string().min(1)).default([]),
        resources: z.array(z.string().min(1)).default([]),
        /** '' means "no subresource"; absent means any. */
        subresources: z.array(z.string()).optional(),
        apiGroups: z.array(z.string()).optional(),
        stages: z.array(z.string().min(1)).optional(),
        /** views.identity.class values; checked before any CEL runs. */
        identities: z
          .array(
            z.enum([
              'HUMAN',
              'SERVICE_ACCOUNT',
              'NODE',
              'CONTROL_PLANE',
              'CLOUD_MANAGED',
              'ANONYMOUS',
            ]),
          )
          .optional(),
        /** views.outcome values. */
        outcomes: z
          .array(z.enum(['ALLOWED', 'DENIED', 'FAILED', 'UNSPECIFIED']))
          .optional(),
        /** views.client.class values. */
        clients: z
          .array(z.enum(['LOOPBACK', 'PRIVATE', 'PUBLIC', 'UNSPECIFIED']))
          .optional(),
        /** Only impersonated (true) or only direct (false) requests. */
        impersonated: z.boolean().optional(),
      })
      .strict()
      .default({ verbs: [], resources: [] }),
    condition: cel.optional(),
    aggregate: aggregateSchema.optional(),
    exceptions: z.array(exceptionSchema).default([]),
    remediation: z.array(z.string().min(1)).min(1),
    references: z.array(z.string().min(1)).default([]),
    falsePositives: z.array(z.string().min(1)).default([]),
    tags: z.array(z.string().min(1)).default([]),
    /** Catalog ids (detections.md) this rule covers, when more than its own id. */
    covers: z.array(z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)).default([]),
    status: z.enum(['stable', 'experimental', 'deprecated']).default('stable'),
    enabled: z.boolean().default(true),
    version: z.number().int().positive(),
    examples: z
      .object({
        fire: z
          .array(exampleSchema)
          .min(1, 'needs at least one example that fires'),
        quiet: z
          .array(exampleSchema)
          .min(1, 'needs at least one example that does not fire'),
      })
      .strict(),
  })
  .strict()
  .refine(r => r.condition !== undefined || r.aggregate?.type === 'sequence', {
    message: "a 'condition' is required (only sequences may leave it out)",
    path: ['condition'],
  });

/** A named list of values; a site file may append to or replace a built-in one. */
export const listSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a snake_case name'),
    description: z.string().optional(),
    items: z.array(z.string()),
    mode: z.enum(['define', 'append', 'replace']).default('define'),
  })
  .strict();

/** A named CEL condition that rules use by name; a site file may override one. */
export const macroSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a snake_case name'),
    description: z.string().optional(),
    condition: cel,
  })
  .strict();

/** Site exceptions for one rule, kept apart from the rule. */
export const siteExceptionSchema = z
  .object({
    rule: z.string().min(1),
    exceptions: z.array(exceptionSchema).min(1),
  })
  .strict();

export type RuleDocument = z.infer<typeof ruleSchema>;
export type ListDocument = z.infer<typeof listSchema>;
export type MacroDocument = z.infer<typeof macroSchema>;
export type SiteExceptionDocument = z.infer<typeof siteExceptionSchema>;
export type ExceptionDocument = z.infer<typeof exceptionSchema>;
export type AggregateDocument = z.infer<typeof aggregateSchema>;
