/**
 * The simulated engine's timing and settings for `serve-mock` and `simulate`: a perf model from a
 * profile or from the synthetic model, plus the engine limits (options from those commands' flags).
 */
import {badInput} from '../../errors.js';
import type {PerfModel} from '../perf-model.js';
import {profilePerfModel, type ProfileInterpolation} from '../profile-perf-model.js';
import {DEFAULT_MAX_NUM_BATCHED_TOKENS, DEFAULT_MAX_NUM_SEQS, type SimEngineConfig} from './engine.js';
import {loadProfile, profileFileOf} from '../../profile/io.js';
import {BACKENDS, createSyntheticPerfModel, type BackendSpec} from '../synthetic/index.js';
import {resolveSchedulerPolicy, type SchedulerPolicyInfo} from './scheduler-policies.js';
import type {SyntheticOptions} from '../synthetic/model.js';

export interface SimSetupOptions {
  profile?: string;
  /** The synthetic engine (given instead of a profile). */
  synthetic?: SyntheticOptions;
  interpolation: ProfileInterpolation;
  kvBlockSize: number;
  maxNumBatchedTokens?: number;
  maxNumSeqs?: number;
  maxKvTokens?: number;
  prefixCaching: boolean;
  /** Scheduler policy name (default: the synthetic backend's, or the profile's backend, else vllm). */
  schedulerPolicy?: string;
}

export interface SimSetup {
  perfModel: PerfModel;
  engine: Omit<SimEngineConfig, 'perfModel'>;
  /** Model name the engine serves. */
  model: string;
  /** Where the timing comes from, for messages. */
  source: string;
  /** Serving framework the engine imitates (its calibrated closed-loop spread). */
  backend: BackendSpec;
  policy: SchedulerPolicyInfo;
}

/** The catalog backend a profile names, if any (profiles from other tools may name none or another). */
function knownBackend(name: string | undefined): BackendSpec | undefined {
  const key = (name ?? '').trim().toLowerCase().replace(/[-_]/g, '');
  return BACKENDS.find((b) => b.name === key || (key === 'tensorrtllm' && b.name === 'trtllm'));
}

export async function simSetup(o: SimSetupOptions): Promise<SimSetup> {
  if (o.synthetic) {
    const model = createSyntheticPerfModel(o.synthetic);
    const policy = resolveSchedulerPolicy(o.schedulerPolicy ?? model.backend.name);
    const maxKvTokens = o.maxKvTokens ?? model.maxKvTokens;
    if (maxKvTokens < o.kvBlockSize) throw badInput(`KV capacity ${maxKvTokens} tokens is smaller than one KV block (${o.kvBlockSize} tokens)`);
    return {
      perfModel: model,
      engine: {
        blockSize: o.kvBlockSize,
        maxNumBatchedTokens: o.maxNumBatchedTokens ?? model.maxNumBatchedTokens,
        maxNumSeqs: o.maxNumSeqs ?? model.maxNumSeqs,
        maxKvTokens,
        prefixCaching: o.prefixCaching,
        scheduler: policy.create(),
      },
      model: o.synthetic.model,
      source: model.name,
      backend: model.backend,
      policy,
    };
  }
  if (!o.profile) throw badInput('no timing: give a profile or a synthetic engine');
  const profile = await loadProfile(o.profile);
  const file = profileFileOf(o.profile);
  const perfModel = profilePerfModel(profile, {file, interpolation: o.interpolation});
  const backend = knownBackend(profile.engine.backend) ?? BACKENDS[0]!;
  const policy = resolveSchedulerPolicy(o.schedulerPolicy ?? backend.name);
  const maxKvTokens = o.maxKvTokens ?? perfModel.maxKvTokens;
  if (maxKvTokens < o.kvBlockSize) throw badInput(`KV capacity ${maxKvTokens} tokens is smaller than one KV block (${o.kvBlockSize} tokens)`);
  return {
    perfModel,
    engine: {
      blockSize: o.kvBlockSize,
      maxNumBatchedTokens: o.maxNumBatchedTokens ?? profile.engine.maxNumBatchedTokens ?? DEFAULT_MAX_NUM_BATCHED_TOKENS,
      maxNumSeqs: o.maxNumSeqs ?? profile.engine.maxNumSeqs ?? DEFAULT_MAX_NUM_SEQS,
      maxKvTokens,
      prefixCaching: o.prefixCaching,
      scheduler: policy.create(),
    },
    model: profile.engine.model,
    source: file,
    backend,
    policy,
  };
}
