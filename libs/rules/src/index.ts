export { durationMs } from './compile/compile-pack.js';
export {
  imageRepository,
  ipInAny,
  matchesAny,
  pathIsUnder,
} from './compile/functions.js';
export { activationOf, viewsOf } from './context.js';
export { buildDetection, severityOf } from './detection.js';
export { createEngine } from './engine.js';
export { RuleLoadError } from './errors.js';
export { SEVERITIES } from './format/rule-schema.js';
export { digest } from './ids.js';
export { BUILTIN_PACK_DIR, loadPacks } from './load/load-pack.js';
export { EXAMPLE_DEFAULTS, runExamples } from './rule-tester.js';
export { createStatefulEvaluator, eventTimeMs } from './stateful/evaluator.js';
export { stateKey } from './stateful/keys.js';
export { STATE_VERSION } from './stateful/state.js';

export type {
  CompiledAggregate,
  CompiledPack,
  CompiledRule,
} from './compile/compile-pack.js';
export type { CelProgram } from './compile/cel-env.js';
export type { Activation } from './context.js';
export type { DetectionOverrides } from './detection.js';
export type { Engine, EngineOptions, StatefulEvaluator } from './engine.js';
export type {
  AggregateDocument,
  RuleDocument,
  SeverityName,
} from './format/rule-schema.js';
export type { ExampleResult } from './rule-tester.js';
export type {
  PersistentStatefulEvaluator,
  RestoreResult,
  StateChange,
  StatefulEvaluatorOptions,
} from './stateful/evaluator.js';
