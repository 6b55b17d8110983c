/**
 * Measurement fidelity of the live client: TTFT and ITL as `planner profile --endpoint` measures
 * them vs the ground truth `serve-mock --truth` logs, at 1, 64, 256 and 1024 concurrent streams.
 * serve-mock runs in its own process (`serve-mock --synthetic --model llama-3.1-8b --gpu h200_sxm
 * --tp 1 --quant fp8`), the client here; requests are matched by the response id. Prints per concurrency the median and p99
 * relative error, the median absolute TTFT offset, the client's event-loop lag and its CPU time.
 *
 *   npm run build && npx tsx bench/measurement-fidelity.ts [--isl 500] [--osl 100] [--concurrency 1,64,256,1024]
 */
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {monitorEventLoopDelay, performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {HttpClient, type StreamResult} from '../src/engines/http/client.js';
import {PromptSource} from '../src/engines/http/prompt.js';
import {percentileSorted} from '../src/stats.js';

const quantile = (sorted: readonly number[], q: number) => percentileSorted(sorted, q * 100);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/run.js');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const isl = Number(arg('isl', '500'));
const osl = Number(arg('osl', '100'));
const concurrencies = arg('concurrency', '1,64,256,1024').split(',').map(Number);

interface Truth {
  id: string;
  status: string;
  ttftMs: number | null;
  itlMs: number | null;
  /** Server arrival, epoch ms (performance.timeOrigin + now on the server). */
  arrivalMs: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'measurement-fidelity-'));
  const truthFile = path.join(dir, 'truth.jsonl');
  const maxConc = Math.max(...concurrencies);
  const server = execa(process.execPath, [bin, 'serve-mock', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1', '--quant', 'fp8', '--port', '0', '--truth', truthFile, '--max-num-seqs', String(maxConc), '--json'], {reject: false});
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        resolve((JSON.parse(out) as {url: string}).url);
      } catch {
        // wait for the whole document
      }
    });
    void server.then((r) => reject(new Error(`serve-mock exited: ${r.stderr}`)));
  });
  try {
    const client = new HttpClient({baseUrl: url, api: 'completions', maxSockets: maxConc, timeoutMs: 600_000});
    const prompts = new PromptSource();
    // serve-mock's tokenizer is one token per word: no calibration needed
    prompts.calibration = {overheadTokens: 0, tokensPerUnit: 1};
    console.log(`serve-mock: synthetic llama-3.1-8b fp8 on h200_sxm, TP 1; ISL ${isl}, OSL ${osl}; client and server on this ${(await import('node:os')).cpus().length}-core machine, separate processes`);
    const rows: string[][] = [['streams', 'requests', 'TTFT med err', 'TTFT p99 err', 'offset med', 'ingress med', 'stamp lag med/p99', 'TTFT-ingress err med/p99', 'ITL med err', 'ITL p99 err', 'median TTFT', 'median ITL', 'loop lag p50/p99/max', 'CPU/req']];
    for (const n of concurrencies) {
      // warm the sockets
      await Promise.all(Array.from({length: Math.min(n, 64)}, () => client.stream({prompt: prompts.forIsl(50), maxTokens: 2})));
      const lag = monitorEventLoopDelay({resolution: 1});
      lag.enable();
      const cpu0 = process.cpuUsage();
      // Small concurrencies run several rounds so the median is not one request.
      const rounds = Math.max(1, Math.ceil(32 / n));
      const results: StreamResult[] = [];
      for (let k = 0; k < rounds; k++) results.push(...(await Promise.all(Array.from({length: n}, () => client.stream({prompt: prompts.forIsl(isl), maxTokens: osl})))));
      const cpu = process.cpuUsage(cpu0);
      lag.disable();
      await new Promise((r) => setTimeout(r, 300));
      const truth = new Map<string, Truth>();
      for (const line of readFileSync(truthFile, 'utf8').trim().split('\n')) {
        const t = JSON.parse(line) as Truth;
        truth.set(t.id, t);
      }
      const ttftErr: number[] = [];
      const ttftOff: number[] = [];
      const ingress: number[] = [];
      const stampLag: number[] = [];
      const netErr: number[] = [];
      const itlErr: number[] = [];
      const ttft: number[] = [];
      const itl: number[] = [];
      let failed = 0;
      for (const r of results) {
        const t = r.responseId ? truth.get(r.responseId) : undefined;
        if (r.status !== 'ok' || !t || t.ttftMs === null || r.ttftMs === null) {
          failed++;
          continue;
        }
        ttftErr.push(Math.abs(r.ttftMs / t.ttftMs - 1));
        ttftOff.push(r.ttftMs - t.ttftMs);
        // Same machine, same wall clock: split the offset into the server's ingress (send -> its
        // arrival stamp, outside its truth) and the client's lag in stamping the first token.
        const inMs = t.arrivalMs - (performance.timeOrigin + r.sendAt);
        ingress.push(inMs);
        stampLag.push(r.ttftMs - inMs - t.ttftMs);
        netErr.push(Math.abs((r.ttftMs - inMs) / t.ttftMs - 1));
        ttft.push(r.ttftMs);
        if (r.itlMs !== null && t.itlMs !== null) {
          itlErr.push(Math.abs(r.itlMs / t.itlMs - 1));
          itl.push(r.itlMs);
        }
      }
      const s = (xs: number[]) => [...xs].sort((a, b) => a - b);
      const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
      const ms = (v: number) => `${v.toFixed(2)} ms`;
      rows.push([
        String(n), `${results.length - failed}/${results.length}`,
        pct(quantile(s(ttftErr), 0.5)), pct(quantile(s(ttftErr), 0.99)), ms(quantile(s(ttftOff), 0.5)), ms(quantile(s(ingress), 0.5)),
        `${ms(quantile(s(stampLag), 0.5))}/${ms(quantile(s(stampLag), 0.99))}`, `${pct(quantile(s(netErr), 0.5))}/${pct(quantile(s(netErr), 0.99))}`,
        pct(quantile(s(itlErr), 0.5)), pct(quantile(s(itlErr), 0.99)),
        ms(quantile(s(ttft), 0.5)), ms(quantile(s(itl), 0.5)),
        `${(lag.percentile(50) / 1e6).toFixed(1)}/${(lag.percentile(99) / 1e6).toFixed(1)}/${(lag.max / 1e6).toFixed(1)} ms`,
        `${((cpu.user + cpu.system) / 1000 / results.length).toFixed(2)} ms`,
      ]);
    }
    client.close();
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
    console.log('err = |client / truth - 1| per request (truth: serve-mock --truth). offset = client TTFT - truth TTFT = ingress (client wire send -> server arrival stamp:');
    console.log('loopback + the server parsing queued requests, before its clock starts) + stamp lag (server token time -> client stamps the chunk: emit lag,');
    console.log('loopback, client event loop). TTFT-ingress err compares the client with the server clock started at the same instant. CPU/req = client CPU time per request.');
  } finally {
    server.kill('SIGINT');
    await server;
  }
}

await main();
