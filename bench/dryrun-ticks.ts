/**
 * Benchmark: `dryrun --mode ticks` over a 24-hour recording of a 4 prefill + 4 decode fleet at
 * 5 s load ticks (17280 ticks, 138240 FPMs; throughput every 180 s), disagg SLA planner with load
 * and throughput scaling, bootstrapped from the shipped H200 profile.
 * Run: npx tsx bench/dryrun-ticks.ts
 * Prints the time of each phase and the planner's throughput in ticks/s and its speed-up over real time.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {generateTicks} from '../scripts/gen-ticks.js';
import {readRecording} from '../src/planner/ticks/recording.js';
import {resolvePlannerConfig} from '../src/planner/core/config-read.js';
import {bootstrapFpms} from '../src/planner/core/bootstrap.js';
import {effectiveCapabilities, runTicksDryrun} from '../src/planner/dryrun-ticks.js';
import {ticksDecisionsCsv, ticksReport} from '../src/planner/dryrun-ticks-report.js';
import {renderReport} from '../src/report/html.js';
import {loadProfile} from '../src/profile/io.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'bench-ticks-'));
const file = path.join(dir, 'ticks.jsonl');
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

let t0 = process.hrtime.bigint();
const lines = generateTicks({hours: 24, prefill: 4, decode: 4, seed: 1});
writeFileSync(file, `${lines.join('\n')}\n`);
const genMs = ms(t0);

t0 = process.hrtime.bigint();
const rec = await readRecording(file);
const parseMs = ms(t0);

const {config} = resolvePlannerConfig([{source: 'bench', raw: rec.header.plannerConfig}]);
const caps = effectiveCapabilities(rec.header.capabilities, config);
const profile = await loadProfile(path.join(root, 'profiles/h200-llama3.1-8b-fp8-tp1'));
const boot = bootstrapFpms(profile, config.mode);

t0 = process.hrtime.bigint();
const {outcomes} = runTicksDryrun(rec.ticks, rec.header.startS, config, caps, boot);
const runMs = ms(t0);

t0 = process.hrtime.bigint();
const html = renderReport(ticksReport(outcomes, {recording: file, config, capabilities: caps, bootstrap: 'profile', notDue: 0, skippedBadLines: 0}));
const csv = ticksDecisionsCsv(outcomes);
const reportMs = ms(t0);

const decisions = outcomes.filter((o) => o.record.scaleTo !== null).length;
const simS = rec.ticks.length * 5;
console.log(`recording: ${rec.ticks.length} ticks, ${rec.ticks.length * 8} FPMs, ${(lines.join('\n').length / 1e6).toFixed(1)} MB (generated in ${genMs.toFixed(0)} ms)`);
console.log(`parse:     ${parseMs.toFixed(0)} ms (${(rec.ticks.length / (parseMs / 1000)).toFixed(0)} lines/s)`);
console.log(`planner:   ${runMs.toFixed(0)} ms for ${outcomes.length} ticks = ${(outcomes.length / (runMs / 1000)).toFixed(0)} ticks/s, ${(simS / (runMs / 1000)).toFixed(0)}x real time; ${decisions} decisions`);
console.log(`report:    ${reportMs.toFixed(0)} ms (html ${(html.length / 1e6).toFixed(1)} MB, csv ${(csv.length / 1e6).toFixed(1)} MB)`);
console.log(`total:     ${(parseMs + runMs + reportMs).toFixed(0)} ms; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
rmSync(dir, {recursive: true, force: true});
