/**
 * How many concurrent SSE streams `planner serve-mock` sustains on this machine while its emitted
 * token times stay within 1 ms (p99) of the simulated schedule.
 *
 * For each stream count N: spawn `bin/run.js serve-mock` (shipped H200 profile, --truth file),
 * open N streaming requests at once from this process, read every chunk, then compare the
 * server's write time of each token with its scheduled time (truth `emitLagMs`), and the client's
 * receive time with the schedule. Prints one row per N, side by side.
 *
 * Run: npm run build && npx tsx bench/serve-mock-capacity.ts [--streams 64,256,1024] [--osl 200] [--isl 100]
 */
import {execa} from 'execa';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {percentileSorted} from '../src/stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROFILE = path.join(ROOT, 'profiles/h200-llama3.1-8b-fp8-tp1');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const streamCounts = arg('streams', '64,256,512,1024').split(',').map(Number);
const osl = Number(arg('osl', '200'));
const isl = Number(arg('isl', '100'));

interface StreamResult {
  ok: boolean;
  chunkEpochMs: number[];
}

function stream(agent: http.Agent, port: number, prompt: string): Promise<StreamResult> {
  return new Promise((resolve) => {
    const body = JSON.stringify({prompt, max_tokens: osl, stream: true, ignore_eos: true});
    const chunkEpochMs: number[] = [];
    const req = http.request({host: '127.0.0.1', port, path: '/v1/completions', method: 'POST', agent, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}}, (res) => {
      let tail = '';
      let done = false;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        const at = performance.timeOrigin + performance.now();
        const text = tail + d;
        let i = 0;
        for (;;) {
          const j = text.indexOf('\n\n', i);
          if (j < 0) break;
          if (text.startsWith('data: [DONE]', i)) done = true;
          else chunkEpochMs.push(at);
          i = j + 2;
        }
        tail = text.slice(i);
      });
      res.on('end', () => resolve({ok: done && chunkEpochMs.length === osl, chunkEpochMs}));
      res.on('error', () => resolve({ok: false, chunkEpochMs}));
    });
    req.on('error', () => resolve({ok: false, chunkEpochMs}));
    req.end(body);
  });
}

async function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({host: '127.0.0.1', port, path: '/metrics'}, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
}

async function round(n: number, dir: string): Promise<Record<string, number | string>> {
  const truthFile = path.join(dir, `truth-${n}.jsonl`);
  const proc = execa(process.execPath, [path.join(ROOT, 'bin/run.js'), 'serve-mock', '--profile', PROFILE, '--port', '0', '--max-num-seqs', String(Math.max(256, n)), '--truth', truthFile], {reject: false});
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/[\d.]+:(\d+)/.exec(out);
        if (m) resolve(m[0]);
      });
      void proc.then((r) => reject(new Error(`serve-mock exited: ${r.stderr}`)));
    });
    const port = Number(new URL(url).port);
    const agent = new http.Agent({keepAlive: true, maxSockets: Infinity});
    const prompt = Array.from({length: isl}, (_, i) => `p${i}`).join(' ');
    const wallStart = performance.now();
    const results = await Promise.all(Array.from({length: n}, () => stream(agent, port, prompt)));
    const wallS = (performance.now() - wallStart) / 1000;
    const metrics = await scrape(port);
    agent.destroy();
    proc.kill('SIGTERM');
    await proc;

    const truth = readFileSync(truthFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {arrivalMs: number; tokenOffsetsMs: number[]; emitLagMs: number[]});
    const serverLag: number[] = [];
    for (const t of truth) for (const v of t.emitLagMs) serverLag.push(v);
    serverLag.sort((a, b) => a - b);
    // Client receive time vs schedule: match each stream to its truth record by order of first token.
    const scheduled = truth.map((t) => t.tokenOffsetsMs.map((o) => t.arrivalMs + o)).sort((a, b) => a[0]! - b[0]!);
    const received = results.filter((r) => r.chunkEpochMs.length > 0).map((r) => r.chunkEpochMs).sort((a, b) => a[0]! - b[0]!);
    const clientLag: number[] = [];
    if (scheduled.length === received.length) scheduled.forEach((s, i) => s.forEach((t, k) => received[i]![k] !== undefined && clientLag.push(received[i]![k]! - t)));
    clientLag.sort((a, b) => a - b);
    let chunks = 0;
    let first = Infinity;
    let last = -Infinity;
    for (const r of results) {
      chunks += r.chunkEpochMs.length;
      for (const t of r.chunkEpochMs) {
        if (t < first) first = t;
        if (t > last) last = t;
      }
    }
    const spanS = (last - first) / 1000;
    const loop = (q: string) => Number(new RegExp(`planner_mock_event_loop_delay_seconds\\{[^}]*quantile="${q}"\\} (\\S+)`).exec(metrics)?.[1] ?? NaN) * 1000;
    const resyncs = Number(/planner_mock_timeline_resyncs_total\{[^}]*\} (\S+)/.exec(metrics)?.[1] ?? NaN);
    return {
      streams: n,
      held: results.filter((r) => r.ok).length,
      chunksPerS: Math.round(chunks / spanS),
      serverLagP50Ms: percentileSorted(serverLag, 50).toFixed(3),
      serverLagP99Ms: percentileSorted(serverLag, 99).toFixed(3),
      serverLagMaxMs: serverLag.at(-1)!.toFixed(3),
      clientLagP99Ms: clientLag.length ? percentileSorted(clientLag, 99).toFixed(3) : 'n/a',
      loopDelayP99Ms: loop('0.99').toFixed(2),
      loopDelayMaxMs: loop('1').toFixed(2),
      resyncs,
      wallS: wallS.toFixed(1),
    };
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'serve-mock-capacity-'));
try {
  const rows: Record<string, number | string>[] = [];
  for (const n of streamCounts) rows.push(await round(n, dir));
  const cols = Object.keys(rows[0]!);
  console.log(`serve-mock capacity (ISL ${isl}, OSL ${osl}, one chunk per token, shipped H200 profile)`);
  console.log(cols.map((c) => c.padStart(16)).join(''));
  for (const r of rows) console.log(cols.map((c) => String(r[c]).padStart(16)).join(''));
  const ok = rows.filter((r) => r.held === r.streams && Number(r.serverLagP99Ms) <= 1);
  const best = ok.at(-1);
  console.log(best ? `highest stream count within 1 ms p99 of schedule: ${best.streams} streams, ${best.chunksPerS} chunks/s` : 'no stream count stayed within 1 ms p99');
} finally {
  rmSync(dir, {recursive: true, force: true});
}
