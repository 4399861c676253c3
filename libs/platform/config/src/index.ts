export { logLevel, port, positiveInt, token, url } from './fields.js';
export { ConfigError, parseEnv } from './parse-env.js';
export { configFileReader } from './read-files.js';
export { serviceEnv } from './service-env.js';

export type { Env } from './parse-env.js';
