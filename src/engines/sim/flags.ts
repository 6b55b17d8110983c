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

export const simEngineFlags = {
  profile: Flags.string({description: 'Profile directory (or profile.json) whose TTFT and ITL drive the engine\'s timing.', required: true}),
  interpolation: Flags.string({description: 'How TTFT and ITL are read from the profile: Dynamo-exact spline grid or piecewise linear through the points.', options: ['spline', 'linear'], default: 'spline'}),
  'block-size': Flags.integer({description: 'Tokens per KV-cache block.', default: DEFAULT_BLOCK_SIZE, min: 1}),
  'max-num-batched-tokens': Flags.integer({description: 'Token budget of one engine iteration (default: the profile\'s, else 8192).', min: 1}),
  'max-num-seqs': Flags.integer({description: 'Most requests running at once (default: the profile\'s, else 256).', min: 1}),
  'max-kv-tokens': Flags.integer({description: 'KV-cache capacity in tokens (default: the profile\'s).', min: 1}),
  'prefix-caching': Flags.boolean({description: 'Reuse KV blocks of identical prompt prefixes.', default: false, allowNo: true}),
};

export interface SimEngineFlagValues {
  profile: string;
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
