import { pino, type DestinationStream } from 'pino';

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * The logging surface libraries depend on. Only `createLogger` knows pino, so
 * libraries stay testable with a fake.
 */
export interface Logger {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  fatal(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line, e.g. `{ component: 'bus' }`. */
  child(fields: LogFields): Logger;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Service name stamped on every line. */
  service: string;
  /** @default 'info' */
  level?: string;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

/** A JSON-lines logger (pino) for one service. */
export function createLogger(options: LoggerOptions): Logger {
  const base = pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: label => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
  return wrap(base);
}

function wrap(p: pino.Logger): Logger {
  // pino takes (fields, msg); our interface reads better as (msg, fields).
  return {
    trace: (msg, fields) => p.trace(fields ?? {}, msg),
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    fatal: (msg, fields) => p.fatal(fields ?? {}, msg),
    child: fields => wrap(p.child(fields)),
  };
}

/** A logger that drops everything, for tests and tools. */
export function silentLogger(): Logger {
  const noop = (): void => undefined;
  const logger: Logger = {
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    fatal: noop,
    child: () => logger,
  };
  return logger;
}
