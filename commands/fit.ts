import {Args, Flags} from '@oclif/core';
import path from 'node:path';
import {fitProfile, POOR_FIT_MAPE_PCT, type PhaseFitResult, type PointError} from '../src/profile/fit.js';
import {loadProfile, profileFileOf, saveProfileFile} from '../src/profile/io.js';
import {readSamples} from '../src/profile/samples.js';
import {samplesForFit} from '../src/sweep/live-profile.js';
import {SAMPLES_FILE, type FitStats} from '../src/profile/types.js';
import {PlannerCommand} from '../src/ui/command.js';
import {textTable} from '../src/ui/table.js';

const g4 = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(3) : Number(v.toPrecision(4)).toString());
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)} %`);

function describePoint(phase: 'prefill' | 'decode', e: PointError): string {
  const where = phase === 'prefill' ? `isl=${e.inputs[0]}` : `n=${g4(e.inputs[0])} ctx=${e.inputs[1]}`;
  return `${where}: measured ${e.observed.toFixed(2)} ms, fit ${e.predicted.toFixed(2)} ms (${e.errPct.toFixed(1)} % off)`;
}

function row(phase: 'prefill' | 'decode', formula: string, r: PhaseFitResult<FitStats>): string[] {
  return [phase, formula, r.fit.r2.toFixed(4), pct(r.fit.mapePct), pct(r.fit.maxErrPct), pct(r.fit.cvMapePct), r.poor ? 'POOR' : 'good'];
}

export default class Fit extends PlannerCommand {
  static override summary = 'Fit regression models to a profile and store them in its profile.json.';
  static override description = `Two models, in ms, whose coefficients are all non-negative (active-set NNLS on scaled features), fitted to minimise relative error:
- prefill: TTFT(isl) = a + b*isl + c*isl^2
- decode: ITL(n, ctx) = d + e*n + f*n*ctx, where n = concurrency = kv usage * max_kv_tokens / ctx

Reported per phase: R^2, MAPE and max error on the fitted points, and 5-fold cross-validated MAPE. When the profile directory has samples.jsonl, the per-request samples are fitted instead and the spread of single requests around the fit is reported. A fit whose MAPE exceeds ${POOR_FIT_MAPE_PCT} % is reported as poor, with the points that break it.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> profiles/h200-llama3.1-8b-fp8-tp1',
    '<%= config.bin %> <%= command.id %> out/llama8b-h200/tp2 --json',
    '<%= config.bin %> <%= command.id %> profiles/h200-llama3.1-8b-fp8-tp1 --no-write',
  ];

  static override args = {dir: Args.string({description: 'Profile directory (or profile.json).', required: true})};
  static override flags = {
    write: Flags.boolean({description: 'Store the fits in profile.json.', default: true, allowNo: true}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Fit);
    const profile = await loadProfile(args.dir);
    const file = profileFileOf(args.dir);
    const samples = await readSamples(path.join(path.dirname(file), SAMPLES_FILE));
    // Decode samples are fitted on their steady-window ITL, exactly as the live sweep fits them.
    const result = fitProfile(profile, samplesForFit(samples));
    if (flags.write) {
      profile.fits = {...(result.prefill ? {prefill: result.prefill.fit} : {}), ...(result.decode ? {decode: result.decode.fit} : {})};
      await saveProfileFile(file, profile);
    }
    if (flags.json) return this.printJson({profile: file, written: flags.write, ...result});

    const rows = [['phase', 'model', 'R^2', 'MAPE', 'max err', 'CV MAPE', 'verdict']];
    if (result.prefill) {
      const {a, b, c} = result.prefill.fit.coefficients;
      rows.push(row('prefill', `TTFT = ${g4(a)} + ${g4(b)}*isl + ${g4(c)}*isl^2 ms`, result.prefill));
    }
    if (result.decode) {
      const {d, e, f} = result.decode.fit.coefficients;
      rows.push(row('decode', `ITL = ${g4(d)} + ${g4(e)}*n + ${g4(f)}*n*ctx ms`, result.decode));
    }
    const count = (r: PhaseFitResult<FitStats> | undefined, phase: string) =>
      r && (result.source === 'samples' ? `${r.inputs} ${phase} requests at ${r.fit.points} points` : `${r.fit.points} ${phase}`);
    const counts = [count(result.prefill, 'prefill'), count(result.decode, 'decode')].filter(Boolean).join(', ');
    this.print(`Fits for ${file} (from ${result.source === 'samples' ? `per-request samples in ${SAMPLES_FILE}` : 'profile points'}: ${counts})`);
    this.print(textTable(rows[0], rows.slice(1)).join('\n'));
    for (const [phase, r] of [['prefill', result.prefill], ['decode', result.decode]] as const) {
      if (!r) continue;
      if (r.spreadPct) this.print(`${phase}: single requests scatter ${signed(r.spreadPct.p10)} % .. ${signed(r.spreadPct.p90)} % around the fit (p10..p90)`);
      if (r.poor) {
        this.print(`${phase} fit is poor (MAPE ${r.fit.mapePct.toFixed(1)} % > ${POOR_FIT_MAPE_PCT} %); points it misses most:`);
        for (const e of r.worst.slice(0, 5)) this.print(`  ${describePoint(phase, e)}`);
      }
    }
    if (!result.prefill) this.print('The profile has no prefill data: no prefill fit.');
    if (!result.decode) this.print('The profile has no decode data: no decode fit.');
    if (flags.write) this.print(`Wrote the fits into ${file}`);
  }
}
