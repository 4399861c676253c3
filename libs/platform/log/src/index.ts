export { createLogger, silentLogger } from './logger.js';

export type { LogFields, Logger, LoggerOptions } from './logger.js';
