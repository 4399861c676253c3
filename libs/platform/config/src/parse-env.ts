import { AppError } from '@kubeguard/errors';
import { type z } from 'zod';

/** Environment variables as `process.env` holds them. */
export type Env = Record<string, string | undefined>;

/** The configuration is invalid; the message lists every bad variable. */
export class ConfigError extends AppError<'CONFIG_INVALID'> {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      'CONFIG_INVALID',
      `invalid configuration:\n  ${problems.join('\n  ')}`,
    );
    this.problems = problems;
  }
}

/**
 * Validates environment variables against a zod object schema whose keys are
 * the variable names. Empty strings count as unset, so `FOO=` falls back to the
 * default.
 * @throws ConfigError listing every problem as `NAME: problem, got 'value'`
 */
export function parseEnv<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  env: Env,
): Readonly<z.infer<z.ZodObject<Shape>>> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') {
      input[key] = value;
    }
  }
  const result = schema.safeParse(input);
  if (result.success) {
    return Object.freeze(result.data);
  }
  const problems = result.error.issues.map(issue => {
    const name = issue.path.map(String).join('.');
    const got = input[name];
    return got === undefined
      ? `${name}: ${issue.message}`
      : `${name}: ${issue.message}, got '${got}'`;
  });
  throw new ConfigError(problems);
}
