/**
 * Round trip: measure `planner serve-mock --profile X` over HTTP the way a profiler does and
 * compare with profile X. Prefill: TTFT of a lone request at each profiled ISL (median of 5).
 * Decode: at each profiled (kv usage, context length) point with at most --max-streams streams,
 * n = kv * max_kv_tokens / context streams with ISL = context - OSL/2 (OSL long enough that all
 * prompts are prefilled before the first stream ends), ITL per stream over the
 * window in which all n are generating, averaged over streams.
 *
 * Run: npm run build && npx tsx bench/serve-mock-reproduce.ts [--profile DIR] [--max-streams 300] [--osl 64]
 */
import {execa} from 'execa';
import {readFileSync} from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Profile} from '../src/profile/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const profileDir = arg('profile', path.join(ROOT, 'profiles/h200-llama3.1-8b-fp8-tp1'));
const maxStreams = Number(arg('max-streams', '300'));
const osl = Number(arg('osl', '64'));
const profile = JSON.parse(readFileSync(path.join(profileDir, 'profile.json'), 'utf8')) as Profile;

/** Stream one completion; returns the receive time (performance.now) of each token chunk. */
function stream(agent: http.Agent, port: number, isl: number, maxTokens: number, tag: number): Promise<{sentMs: number; tokenMs: number[]}> {
  // A unique first word per request, as a profiler does, so no prefix cache could serve it.
  const prompt = `u${tag} ${'w '.repeat(isl - 1)}`;
  const body = JSON.stringify({prompt, max_tokens: maxTokens, stream: true, ignore_eos: true});
  return new Promise((resolve, reject) => {
    const tokenMs: number[] = [];
    const sentMs = performance.now();
    const req = http.request({host: '127.0.0.1', port, path: '/v1/completions', method: 'POST', agent, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}}, (res) => {
      if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
      res.setEncoding('utf8');
      let tail = '';
      res.on('data', (d: string) => {
        const at = performance.now();
        const text = tail + d;
        let i = 0;
        for (let j = text.indexOf('\n\n', i); j >= 0; j = text.indexOf('\n\n', i)) {
          if (!text.startsWith('data: [DONE]', i)) tokenMs.push(at);
          i = j + 2;
        }
        tail = text.slice(i);
      });
      res.on('end', () => resolve({sentMs, tokenMs}));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const pct = (measured: number, expected: number): string => `${(((measured - expected) / expected) * 100).toFixed(1)}%`;

const proc = execa(process.execPath, [path.join(ROOT, 'bin/run.js'), 'serve-mock', '--profile', profileDir, '--port', '0', '--max-num-seqs', '2048'], {reject: false});
try {
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/[\d.]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void proc.then((r) => reject(new Error(`serve-mock exited: ${r.stderr}`)));
  });
  const agent = new http.Agent({keepAlive: true, maxSockets: Infinity});
  let tag = 0;
  await stream(agent, port, 10, 2, tag++); // warm up

  // Client + loopback overhead: median round trip of GET /health (no engine work).
  const rtts: number[] = [];
  for (let k = 0; k < 21; k++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => http.get({host: '127.0.0.1', port, path: '/health', agent}, (res) => res.resume().on('end', resolve)).on('error', reject));
    rtts.push(performance.now() - t0);
  }
  const rttMs = median(rtts);
  console.log(`client overhead: median GET /health round trip ${rttMs.toFixed(2)} ms`);

  const errors: number[] = [];
  const errorsNet: number[] = [];
  console.log('prefill: ISL, profile TTFT ms, measured TTFT ms (median of 5), error, error after subtracting the round trip');
  const p = profile.prefill!;
  for (let i = 0; i < p.prefill_isl.length; i++) {
    const ttfts: number[] = [];
    for (let k = 0; k < 5; k++) {
      const r = await stream(agent, port, p.prefill_isl[i]!, 1, tag++);
      ttfts.push(r.tokenMs[0]! - r.sentMs);
    }
    const m = median(ttfts);
    errors.push(Math.abs(m - p.prefill_ttft[i]!) / p.prefill_ttft[i]!);
    errorsNet.push(Math.abs(m - rttMs - p.prefill_ttft[i]!) / p.prefill_ttft[i]!);
    console.log(`  ${String(p.prefill_isl[i]).padStart(6)} ${p.prefill_ttft[i]!.toFixed(2).padStart(9)} ${m.toFixed(2).padStart(9)} ${pct(m, p.prefill_ttft[i]!).padStart(7)} ${pct(m - rttMs, p.prefill_ttft[i]!).padStart(7)}`);
  }
  const prefillMax = Math.max(...errors);

  console.log(`decode: streams, context, profile ITL ms, measured ITL ms (steady window, OSL >= ${osl}), error`);
  const d = profile.decode!;
  const dErr: number[] = [];
  for (let i = 0; i < d.z_itl.length; i++) {
    const ctx = d.y_context_length[i]!;
    const n = Math.round((d.x_kv_usage[i]! * d.max_kv_tokens) / ctx);
    if (n < 1 || n > maxStreams) continue;
    // All n prompts must be prefilled before the first stream ends: give each stream OSL tokens
    // beyond the iterations the prefills take (maxNumBatchedTokens 8192 per iteration).
    const pointOsl = osl + 2 * Math.ceil((n * ctx) / 8192);
    const isl = Math.max(1, Math.round(ctx - pointOsl / 2));
    const rs = await Promise.all(Array.from({length: n}, () => stream(agent, port, isl, pointOsl, tag++)));
    const windowStart = Math.max(...rs.map((r) => r.tokenMs[0]!));
    const windowEnd = Math.min(...rs.map((r) => r.tokenMs.at(-1)!));
    const itls: number[] = [];
    for (const r of rs) {
      const inWindow = r.tokenMs.filter((t) => t >= windowStart && t <= windowEnd);
      if (inWindow.length >= 2) itls.push((inWindow.at(-1)! - inWindow[0]!) / (inWindow.length - 1));
    }
    const m = itls.reduce((a, b) => a + b, 0) / itls.length;
    dErr.push(Math.abs(m - d.z_itl[i]!) / d.z_itl[i]!);
    console.log(`  ${String(n).padStart(5)} ${String(ctx).padStart(6)} ${d.z_itl[i]!.toFixed(2).padStart(8)} ${m.toFixed(2).padStart(8)} ${pct(m, d.z_itl[i]!).padStart(7)}`);
  }
  console.log(`max |error|: prefill TTFT ${(prefillMax * 100).toFixed(1)}% (${(Math.max(...errorsNet) * 100).toFixed(1)}% net of the round trip) over ${errors.length} points, decode ITL ${(Math.max(...dErr) * 100).toFixed(1)}% over ${dErr.length} points`);
  agent.destroy();
} finally {
  proc.kill('SIGTERM');
  await proc;
}
