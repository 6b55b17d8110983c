/**
 * What `recommend` compares: one candidate per TP, from profile directories (a directory of `tpN`
 * profiles stands for all of them) or from the synthetic model at each TP.
 */
import {existsSync} from 'node:fs';
import {resolveSchedulerPolicy} from '../engines/sim/scheduler-policies.js';
import {badInput, isTpUnfit} from '../errors.js';
import {DEFAULT_MAX_NUM_BATCHED_TOKENS, DEFAULT_MAX_NUM_SEQS} from '../engines/sim/engine.js';
import {profilePerfModel} from '../engines/profile-perf-model.js';
import {createSyntheticPerfModel} from '../engines/synthetic/index.js';
import type {SyntheticOptions} from '../engines/synthetic/model.js';
import {loadProfile, profileFileOf, tpProfileDirs} from '../profile/io.js';
import type {RecommendCandidate} from './recommend.js';
import {syntheticCandidateProfile} from './synthetic.js';

/** One candidate per profile directory; a directory of tpN profiles expands to each of them. */
export async function profileCandidates(dirs: readonly string[]): Promise<RecommendCandidate[]> {
  const expanded = dirs.flatMap((d) => {
    const subs = tpProfileDirs(d);
    return subs.length > 0 ? subs : [d];
  });
  const out: RecommendCandidate[] = [];
  const byTp = new Map<number, string>();
  for (const dir of expanded) {
    const profile = await loadProfile(dir);
    const tp = profile.engine.tp;
    const file = existsSync(profileFileOf(dir)) ? profileFileOf(dir) : dir;
    if (byTp.has(tp)) throw badInput(`${file} and ${byTp.get(tp)} are both TP ${tp}`, 'give one profile per TP');
    byTp.set(tp, file);
    let agg: RecommendCandidate['agg'];
    if (profile.prefill && profile.decode) {
      const perfModel = profilePerfModel(profile, {file});
      agg = {
        perfModel,
        engine: {
          maxNumBatchedTokens: profile.engine.maxNumBatchedTokens ?? DEFAULT_MAX_NUM_BATCHED_TOKENS,
          maxNumSeqs: profile.engine.maxNumSeqs ?? DEFAULT_MAX_NUM_SEQS,
          maxKvTokens: perfModel.maxKvTokens,
        },
      };
    }
    out.push({tp, gpusPerEngine: profile.engine.gpusPerEngine || tp, source: file, profile, agg});
  }
  return out;
}

export interface SyntheticCandidatesOptions {
  /** The synthetic engine; its `tp` is replaced by each of `tps`. */
  engine: SyntheticOptions;
  tps: readonly number[];
  maxContext: number;
  isl: number;
  osl: number;
  tool: string;
  /** Called for a TP that cannot run the model (it is left out when other TPs remain). */
  onSkip?: (tp: number, reason: string) => void;
}

/** One in-memory candidate per TP of the synthetic model (a TP the model does not fit is skipped). */
export function syntheticCandidates(o: SyntheticCandidatesOptions): RecommendCandidate[] {
  const out: RecommendCandidate[] = [];
  for (const tp of [...new Set(o.tps)].sort((a, b) => a - b)) {
    let model;
    try {
      model = createSyntheticPerfModel({...o.engine, tp});
    } catch (err) {
      if (isTpUnfit(err) && o.tps.length > 1) {
        o.onSkip?.(tp, err.message);
        continue;
      }
      throw err;
    }
    const maxContext = Math.min(o.maxContext, model.model.maxPositions);
    if (o.isl + o.osl > model.maxKvTokens) throw badInput(`ISL + OSL = ${o.isl + o.osl} tokens exceed the KV capacity of ${model.name} (${model.maxKvTokens} tokens)`);
    const profile = syntheticCandidateProfile(model, {maxContext, target: {isl: o.isl, osl: o.osl}, tool: o.tool});
    out.push({
      tp,
      gpusPerEngine: model.gpusPerEngine,
      source: model.name,
      profile,
      agg: {perfModel: model, engine: {maxNumBatchedTokens: model.maxNumBatchedTokens, maxNumSeqs: model.maxNumSeqs, maxKvTokens: model.maxKvTokens, scheduler: resolveSchedulerPolicy(model.backend.name).create()}},
    });
  }
  return out;
}
