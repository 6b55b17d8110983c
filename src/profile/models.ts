/** Which models answer a profile's SLA questions under a method: the spline, the regression, or per phase (auto). */
import type {Profile} from './types.js';
import {DecodeInterpolator, PrefillInterpolator} from './interpolate/spline.js';
import {regressionModels} from './interpolate/regression.js';
import {chooseModels, type DecodeModel, type Method, type PrefillModel, type SlaQuery} from './sla.js';

export type SlaModels = {prefill?: PrefillModel; decode?: DecodeModel};

/** Build the models once; the returned function picks per query (auto: spline inside the profiled range, regression outside). */
export function slaModels(profile: Profile, method: Method | 'auto'): (q: SlaQuery) => SlaModels {
  const spline: SlaModels = {
    prefill: profile.prefill && new PrefillInterpolator(profile.prefill),
    decode: profile.decode && new DecodeInterpolator(profile.decode),
  };
  if (method === 'spline') return () => spline;
  const regression: SlaModels = regressionModels(profile);
  return (q) => chooseModels(q, method, spline, regression);
}
