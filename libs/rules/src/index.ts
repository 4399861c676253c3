export { createEngine } from './engine.js';
export { digest } from './ids.js';
export { builtinRules } from './pack/index.js';
export { pathUnder } from './paths.js';

export type { Engine, EngineOptions } from './engine.js';
export type { Mitre, Rule, RuleMatch, RuleStatus } from './rule.js';
