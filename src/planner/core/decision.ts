import type {DecisionRecord, PlannerEffects} from './types.js';

/** The recorded form of one tick's effects (DESIGN 3.5). */
export function toDecisionRecord(nowS: number, effects: PlannerEffects): DecisionRecord {
  return {nowS, scaleTo: effects.scaleTo, nextTickS: effects.nextTick.atS, diagnostics: effects.diagnostics};
}
