export { bootService } from './boot.js';
export { runMain } from './run-main.js';

export type { BaseConfig, ServiceBase } from './boot.js';
