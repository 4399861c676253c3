export { createLifecycle } from './lifecycle.js';

export type { Lifecycle, LifecycleOptions } from './lifecycle.js';
