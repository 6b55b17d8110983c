/** The synthetic op-level perf model (AIC style): catalog, ops, and the factory other modules use. */
import {SyntheticPerfModel, type SyntheticOptions} from './model.js';

export {SyntheticPerfModel, BREAKDOWN_LABELS, type Breakdown, type MemoryPlan, type Quant, type SyntheticOptions} from './model.js';
export {GPUS, gpuNames, resolveGpu, REFERENCE_GPU, type GpuSpec} from './gpus.js';
export {MODELS, modelNames, resolveModel, modelFromHfConfig, type ModelSpec} from './models.js';
export {BACKENDS, backendNames, resolveBackend, type BackendSpec} from './backends.js';

/** Build the synthetic perf model of one engine (model on GPU at TP); throws badInput on unknown names. */
export function createSyntheticPerfModel(opts: SyntheticOptions): SyntheticPerfModel {
  return new SyntheticPerfModel(opts);
}
