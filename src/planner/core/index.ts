/**
 * Dynamo's 2026 planner core (notes E, pinned version E.13): a pure state machine.
 * Drivers (a tick recording, the replay fleet) call `initialTick`, then feed each scheduled
 * tick's observations to `onTick` and apply the effects.
 */
export type * from './types.js';
export type {PlannerConfig, LoadPredictorName} from './config.js';
export {DEFAULT_PLANNER_CONFIG} from './config.js';
export {resolvePlannerConfig, type ConfigLayer, type ResolvedConfig} from './config-read.js';
export {PlannerStateMachine, type BenchmarkFpms} from './state-machine.js';
export {bootstrapFpms, type BootstrapProfileData} from './bootstrap.js';
export {toDecisionRecord} from './decision.js';
