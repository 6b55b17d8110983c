/** Flags of the commands that run the simulated engine (`serve-mock`, `simulate`), and their options. */
import {Flags} from '@oclif/core';
import {badInput} from '../errors.js';
import type {ProfileInterpolation} from '../engines/profile-perf-model.js';
import {DEFAULT_BLOCK_SIZE} from '../engines/sim/engine.js';
import type {SimSetupOptions} from '../engines/sim/setup.js';
import {SCHEDULER_POLICIES, SCHEDULER_POLICY_NAMES} from '../engines/sim/scheduler-policies.js';
import {syntheticFlags, syntheticOptionsFromFlags, type SyntheticFlagValues} from './synthetic-flags.js';
import {integerFlag} from './number-flags.js';
import {CONCURRENCY, TOKENS} from '../limits.js';

export const simEngineFlags = {
  profile: Flags.string({char: 'p', description: 'Profile directory, profile.json or Dynamo results directory, whose TTFT and ITL drive the engine\'s timing.'}),
  synthetic: Flags.boolean({description: 'Time iterations with the synthetic op-level model (--model, --gpu, --tp, ...) instead of a profile.', default: false}),
  ...syntheticFlags,
  interpolation: Flags.option({description: 'How TTFT and ITL are read from the profile: Dynamo-exact spline grid or piecewise linear through the points.', options: ['spline', 'linear'] as const, default: 'spline' as const})(),
  'kv-block-size': integerFlag({description: 'Tokens per KV-cache block (vLLM\'s --block-size; not a trace\'s tokens per hash id).', default: DEFAULT_BLOCK_SIZE, ...TOKENS}),
  'max-num-batched-tokens': integerFlag({description: 'Token budget of one engine iteration (default: the profile\'s or the synthetic backend\'s, else 8192).', ...TOKENS}),
  'max-num-seqs': integerFlag({description: 'Most requests running at once (default: the profile\'s or the synthetic backend\'s, else 256).', ...CONCURRENCY}),
  'max-kv-tokens': integerFlag({description: 'KV-cache capacity in tokens (default: the profile\'s, or the synthetic model\'s memory plan).', min: 1, max: 1e12, maxReason: 'more than any GPU memory holds'}),
  'prefix-caching': Flags.boolean({description: 'Reuse KV blocks of identical prompt prefixes.', default: false, allowNo: true}),
  'scheduler-policy': Flags.option({
    description: `How iterations are composed and requests admitted (default: the --backend's, or the profile's backend, else vllm). ${SCHEDULER_POLICY_NAMES.map((n) => `${n}: ${SCHEDULER_POLICIES[n].summary}`).join('. ')}.`,
    options: SCHEDULER_POLICY_NAMES,
  })(),
};

export interface SimEngineFlagValues extends SyntheticFlagValues {
  profile?: string;
  synthetic: boolean;
  interpolation: ProfileInterpolation;
  'kv-block-size': number;
  'max-num-batched-tokens'?: number;
  'max-num-seqs'?: number;
  'max-kv-tokens'?: number;
  'prefix-caching': boolean;
  'scheduler-policy'?: string;
}

export function simSetupOptionsFromFlags(flags: SimEngineFlagValues): SimSetupOptions {
  if (flags.synthetic && flags.profile) throw badInput('give either --profile or --synthetic, not both');
  if (!flags.synthetic && !flags.profile) throw badInput('choose the timing: --profile DIR or --synthetic --model M --gpu G');
  return {
    profile: flags.profile,
    synthetic: flags.synthetic ? syntheticOptionsFromFlags(flags) : undefined,
    interpolation: flags.interpolation,
    kvBlockSize: flags['kv-block-size'],
    maxNumBatchedTokens: flags['max-num-batched-tokens'],
    maxNumSeqs: flags['max-num-seqs'],
    maxKvTokens: flags['max-kv-tokens'],
    prefixCaching: flags['prefix-caching'],
    schedulerPolicy: flags['scheduler-policy'],
  };
}
