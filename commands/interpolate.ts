import {Flags} from '@oclif/core';
import {loadProfile} from '../src/profile/io.js';
import {slaModels} from '../src/profile/models.js';
import {readQueries} from '../src/profile/queries.js';
import {answerSla, rangeWarnings, type SlaAnswer, type SlaQuery} from '../src/profile/sla.js';
import {csvLine, type CsvValue} from '../src/report/csv.js';
import {PlannerCommand} from '../src/ui/command.js';
import {numberFlag} from '../src/ui/number-flags.js';
import {LATENCY_MS, TOKENS} from '../src/limits.js';

const f2 = (v: number) => v.toFixed(2);

/** The text Dynamo's perf_interpolation prints (v2026 wording, ms with two decimals). */
export function slaText(a: SlaAnswer, q: SlaQuery, profileDir: string): string {
  const lines = [`ISL=${a.isl}, OSL=${a.osl}`, `TTFT=${f2(q.ttftMs)}ms, ITL=${f2(q.itlMs)}ms`, `Using profile results from ${profileDir}`, ''];
  lines.push('Interpolating prefill performance ...');
  const p = a.prefill;
  if (!p) lines.push('\tThe profile has no prefill data.');
  else {
    if (p.method === 'regression') lines.push('\tUsing the regression fit.');
    lines.push(
      p.meetsSla
        ? `\tEstimated TTFT=${f2(p.ttftMs)}ms <= target TTFT=${f2(p.ttftTargetMs)}ms. Requests can queue ${f2(p.queueHeadroomMs)}ms maximally while meeting TTFT SLA.`
        : `\tEstimated TTFT=${f2(p.ttftMs)}ms > target TTFT=${f2(p.ttftTargetMs)}ms. Cannot meet TTFT SLA.`,
    );
    lines.push(`\tEstimated throughput: ${f2(p.thptPerGpu)} tokens/s/gpu. Request rate at ${f2(p.requestRatePerGpu)} requests/s will saturate one GPU.`);
  }
  lines.push('', 'Interpolating decode performance ...');
  const d = a.decode;
  if (!d) lines.push('\tThe profile has no decode data.');
  else {
    lines.push(`\tAverage context length: isl + osl/2 = ${+d.contextLength.toFixed(2)}.`);
    if (d.method === 'regression') lines.push('\tUsing the regression fit.');
    if (d.meetsSla) {
      lines.push(`\tEstimated ITL=${f2(d.itlMs)}ms <= target ITL=${f2(d.itlTargetMs)}ms at ${f2(d.kvUsage * 100)}% active kv usage.`);
      lines.push(`\tEstimated throughput: ${f2(d.thptPerGpu)} token/s/gpu. Request rate at ${f2(d.requestRatePerGpu)} requests/s will saturate one GPU.`);
    } else {
      lines.push(`\tEstimated ITL=${f2(d.itlMs)}ms > target ITL=${f2(d.itlTargetMs)}ms. Cannot meet ITL SLA.`);
    }
  }
  return lines.join('\n');
}

const CSV_COLUMNS = [
  'isl', 'osl', 'prefillMethod', 'ttftMs', 'ttftTargetMs', 'queueHeadroomMs', 'prefillMeetsSla', 'prefillThptPerGpu', 'prefillRequestRatePerGpu', 'prefillClamped', 'prefillExtrapolated',
  'decodeMethod', 'contextLength', 'itlMs', 'itlTargetMs', 'decodeMeetsSla', 'kvUsage', 'decodeThptPerGpu', 'decodeRequestRatePerGpu', 'decodeClamped', 'decodeExtrapolated',
];

function csvRow(a: SlaAnswer): CsvValue[] {
  const p = a.prefill;
  const d = a.decode;
  return [
    a.isl, a.osl, p?.method, p?.ttftMs, p?.ttftTargetMs, p?.queueHeadroomMs, p?.meetsSla, p?.thptPerGpu, p?.requestRatePerGpu, p?.clamped, p?.extrapolated,
    d?.method, d?.contextLength, d?.itlMs, d?.itlTargetMs, d?.meetsSla, d?.kvUsage, d?.thptPerGpu, d?.requestRatePerGpu, d?.clamped, d?.extrapolated,
  ];
}

/** One line per query in batch mode. */
function summaryLine(a: SlaAnswer): string {
  const parts = [`isl=${a.isl} osl=${a.osl}`];
  const p = a.prefill;
  if (p) parts.push(`${p.method}: ttft=${f2(p.ttftMs)}ms (target ${f2(p.ttftTargetMs)}ms, ${p.meetsSla ? 'met' : 'MISSED'}${p.clamped ? ', ISL clamped' : ''}${p.extrapolated ? ', extrapolated' : ''}) prefill=${f2(p.thptPerGpu)} tok/s/gpu ${f2(p.requestRatePerGpu)} req/s`);
  const d = a.decode;
  if (d) parts.push(`${d.method}: itl=${f2(d.itlMs)}ms (target ${f2(d.itlTargetMs)}ms, ${d.meetsSla ? 'met' : 'MISSED'}${d.clamped ? ', context clamped' : ''}${d.extrapolated ? ', extrapolated' : ''}) kv=${f2(d.kvUsage * 100)}% decode=${f2(d.thptPerGpu)} tok/s/gpu ${f2(d.requestRatePerGpu)} req/s`);
  return parts.join(' | ');
}

export default class Interpolate extends PlannerCommand {
  static override summary = 'Predict TTFT and ITL at a target ISL/OSL, the headroom against SLA targets, and the request rate that saturates one GPU.';
  static override description = `Answers from a profile the way NVIDIA Dynamo's perf_interpolation does: a not-a-knot cubic spline over the prefill points (ISL clamped to the profiled range, never extrapolated) and, for decode, a 100 x 100 grid over kv usage and context length filled by Clough-Tocher interpolation. Decode context is ISL + OSL/2 (Dynamo queries at this value; its printed line rounds OSL/2 down); the decode answer is the highest kv usage whose ITL meets the target. An answer outside the profiled range is flagged (clamped or extrapolated, in JSON and CSV) and warned about on stderr, in every output mode.

--method regression answers from the profile's fits (see \`planner fit\`; computed on the fly when the profile has none) and may extrapolate, with a warning naming the profiled range. --method auto (the default) uses the spline inside the profiled range and the regression outside it, per phase; the answer says which method was used.

--profile takes a planner profile directory (or its profile.json) or a Dynamo results directory (selected_prefill_interpolation/raw_data.npz + selected_decode_interpolation/raw_data.npz).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --profile profiles/h200-llama3.1-8b-fp8-tp1 --isl 3000 --osl 300 --ttft 200 --itl 10',
    '<%= config.bin %> <%= command.id %> --profile profiles/h200-llama3.1-8b-fp8-tp1 --isl 8000 --osl 500 --json',
    '<%= config.bin %> <%= command.id %> --profile profiles/h200-llama3.1-8b-fp8-tp1 --input queries.jsonl --csv > answers.csv',
  ];

  static override flags = {
    profile: Flags.string({char: 'p', description: 'Profile directory, profile.json or Dynamo results directory.', required: true}),
    isl: numberFlag({description: 'Input sequence length, tokens (a mean may be fractional).', default: 3000, ...TOKENS, min: 0, exclusiveMin: true}),
    osl: numberFlag({description: 'Output sequence length, tokens (a mean may be fractional).', default: 150, ...TOKENS, min: 0, exclusiveMin: true}),
    ttft: numberFlag({...LATENCY_MS, description: 'TTFT target, ms (default: Dynamo\'s perf_interpolation default).', default: 100}),
    itl: numberFlag({...LATENCY_MS, description: 'ITL target, ms (default: Dynamo\'s perf_interpolation default).', default: 10}),
    method: Flags.option({description: 'spline (Dynamo-exact), regression (fits; extrapolates) or auto (spline inside the profiled range).', options: ['auto', 'spline', 'regression'] as const, default: 'auto' as const})(),
    input: Flags.string({description: 'JSONL file of queries ({"isl","osl","ttft","itl"} per line; missing fields take the flags); one answer per line.'}),
    csv: Flags.boolean({description: 'With --input: print CSV (one row per query).', default: false, exclusive: ['json']}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Interpolate);
    if (!flags.input) this.refuseFlags(['csv'], 'without --input (CSV has one row per query of the file)');
    const defaults: SlaQuery = {isl: flags.isl, osl: flags.osl, ttftMs: flags.ttft, itlMs: flags.itl};
    const profile = await loadProfile(flags.profile);
    const models = slaModels(profile, flags.method);

    if (!flags.input) {
      const answer = answerSla(models(defaults), defaults, flags.profile);
      for (const w of rangeWarnings(answer)) this.warnLine(w);
      if (flags.json) this.printJson(answer);
      else this.print(slaText(answer, defaults, flags.profile));
      return;
    }
    const queries = readQueries(flags.input, defaults);
    if (flags.csv) process.stdout.write(csvLine(CSV_COLUMNS));
    for await (const {line, query} of queries) {
      const answer = answerSla(models(query), query, `${flags.input}:${line} (profile ${flags.profile})`);
      for (const w of rangeWarnings(answer)) this.warnLine(`${flags.input}:${line}: ${w}`);
      if (flags.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
      else if (flags.csv) process.stdout.write(csvLine(csvRow(answer)));
      else this.print(summaryLine(answer));
    }
  }
}
