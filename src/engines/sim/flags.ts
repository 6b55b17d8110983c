/**
 * Flags shared by the commands that run the simulated engine (`serve-mock`, `simulate`) and the
 * step that turns them into a perf model plus engine settings.
 */
import {Flags} from '@oclif/core';
import {badInput} from '../../errors.js';
import type {PerfModel} from '../perf-model.js';
import {profilePerfModel, type ProfileInterpolation} from '../profile-perf-model.js';
import {DEFAULT_BLOCK_SIZE, DEFAULT_MAX_NUM_BATCHED_TOKENS, DEFAULT_MAX_NUM_SEQS, type SimEngineConfig} from './engine.js';
import {loadProfile, profileFileOf} from '../../profile/io.js';
import {syntheticFlags, syntheticOptionsFromFlags, type SyntheticFlagValues} from '../../ui/synthetic-flags.js';
import {createSyntheticPerfModel} from '../synthetic/index.js';
import {integerFlag} from '../../ui/number-flags.js';
import {CONCURRENCY, TOKENS} from '../../limits.js';

export const simEngineFlags = {
  profile: Flags.string({description: 'Profile directory (or profile.json) whose TTFT and ITL drive the engine\'s timing.'}),
  synthetic: Flags.boolean({description: 'Time iterations with the synthetic op-level model (--model, --gpu, --tp, ...) instead of a profile.', default: false}),
  ...syntheticFlags,
  interpolation: Flags.string({description: 'How TTFT and ITL are read from the profile: Dynamo-exact spline grid or piecewise linear through the points.', options: ['spline', 'linear'], default: 'spline'}),
  'block-size': integerFlag({description: 'Tokens per KV-cache block.', default: DEFAULT_BLOCK_SIZE, ...TOKENS}),
  'max-num-batched-tokens': integerFlag({description: 'Token budget of one engine iteration (default: the profile\'s or the synthetic backend\'s, else 8192).', ...TOKENS}),
  'max-num-seqs': integerFlag({description: 'Most requests running at once (default: the profile\'s or the synthetic backend\'s, else 256).', ...CONCURRENCY}),
  'max-kv-tokens': integerFlag({description: 'KV-cache capacity in tokens (default: the profile\'s, or the synthetic model\'s memory plan).', min: 1, max: 1e12, maxReason: 'more than any GPU memory holds'}),
  'prefix-caching': Flags.boolean({description: 'Reuse KV blocks of identical prompt prefixes.', default: false, allowNo: true}),
};

export interface SimEngineFlagValues extends SyntheticFlagValues {
  profile?: string;
  synthetic: boolean;
  interpolation: string;
  'block-size': number;
  'max-num-batched-tokens'?: number;
  'max-num-seqs'?: number;
  'max-kv-tokens'?: number;
  'prefix-caching': boolean;
}

export interface SimSetup {
  perfModel: PerfModel;
  engine: Omit<SimEngineConfig, 'perfModel'>;
  /** Model name the engine serves. */
  model: string;
  /** Where the timing comes from, for messages. */
  source: string;
}

export async function simSetupFromFlags(flags: SimEngineFlagValues): Promise<SimSetup> {
  if (flags.synthetic && flags.profile) throw badInput('give either --profile or --synthetic, not both');
  if (flags.synthetic) {
    const model = createSyntheticPerfModel(syntheticOptionsFromFlags(flags));
    const maxKvTokens = flags['max-kv-tokens'] ?? model.maxKvTokens;
    if (maxKvTokens < flags['block-size']) throw badInput(`KV capacity ${maxKvTokens} tokens is smaller than one block (--block-size ${flags['block-size']})`);
    return {
      perfModel: model,
      engine: {
        blockSize: flags['block-size'],
        maxNumBatchedTokens: flags['max-num-batched-tokens'] ?? model.maxNumBatchedTokens,
        maxNumSeqs: flags['max-num-seqs'] ?? model.maxNumSeqs,
        maxKvTokens,
        prefixCaching: flags['prefix-caching'],
      },
      model: flags.model!,
      source: model.name,
    };
  }
  if (!flags.profile) throw badInput('choose the timing: --profile DIR or --synthetic --model M --gpu G');
  const profile = await loadProfile(flags.profile);
  const file = profileFileOf(flags.profile);
  const perfModel = profilePerfModel(profile, {file, interpolation: flags.interpolation as ProfileInterpolation});
  const maxKvTokens = flags['max-kv-tokens'] ?? perfModel.maxKvTokens;
  if (maxKvTokens < flags['block-size']) throw badInput(`--max-kv-tokens ${maxKvTokens} is smaller than one block (--block-size ${flags['block-size']})`);
  return {
    perfModel,
    engine: {
      blockSize: flags['block-size'],
      maxNumBatchedTokens: flags['max-num-batched-tokens'] ?? profile.engine.maxNumBatchedTokens ?? DEFAULT_MAX_NUM_BATCHED_TOKENS,
      maxNumSeqs: flags['max-num-seqs'] ?? profile.engine.maxNumSeqs ?? DEFAULT_MAX_NUM_SEQS,
      maxKvTokens,
      prefixCaching: flags['prefix-caching'],
    },
    model: profile.engine.model,
    source: file,
  };
}
