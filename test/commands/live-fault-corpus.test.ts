/**
 * Issue 16's endpoint faults, against a real serve-mock (or a tiny misbehaving server) on
 * 127.0.0.1: a sweep that measured its points always writes its profile with honest ITLs (kind 5),
 * failures are said and unmeasured points make the exit non-zero, a Retry-After wait is capped and
 * announced (kind 1), and no secret reaches a file or a message (kind 7). Most cases run
 * in-process; one per kind, and the wait case, run the built CLI with a timeout.
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {Redactor} from '../../src/engines/http/client.js';
import {validateProfile} from '../../src/profile/validate.js';
import {runCli, runCommand, type CliResult} from '../helpers/cli.js';
import {linearPerfModel} from '../helpers/linear-perf-model.js';
import {startTestServeMock, type ServeMock} from '../helpers/serve-mock.js';

const SMALL = ['--max-context', '600', '--prefill-granularity', '2', '--decode-granularity', '2', '--decode-osl', '24', '--max-concurrency', '4', '--warmup', '0', '--progress', 'plain', '--retries', '0'];
const PREFILL_ONLY = ['--only', 'prefill', '--max-context', '300', '--prefill-granularity', '1', '--prefill-repeats', '1', '--warmup', '0', '--progress', 'plain', '--retries', '0'];

let base: string;
let mock: ServeMock | undefined;
beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'live-faults-'));
});
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});
afterAll(() => rmSync(base, {recursive: true, force: true}));

let n = 0;
const outDir = (): string => path.join(base, `run${++n}`);
const errorLines = (r: CliResult): string[] => r.stderr.split('\n').filter((l) => l.startsWith('Error:'));

async function serveMock(faults: Parameters<typeof startTestServeMock>[0] = {}): Promise<ServeMock> {
  mock = await startTestServeMock({perfModel: linearPerfModel({maxKvTokens: 20_000}), ...faults});
  return mock;
}

describe('kind 5: a measured sweep always writes its profile, with honest ITLs', () => {
  const cases: Array<{name: string; faults: Parameters<typeof startTestServeMock>[0]; args?: string[]}> = [
    {name: 'every stream delivers its middle tokens in one write', faults: {faults: {burstRate: 1}}},
    {name: 'half the streams burst (chat API)', faults: {faults: {burstRate: 0.5}, seed: 3}, args: ['--api', 'chat']},
    {name: 'bursts of multi-token chunks', faults: {faults: {burstRate: 1}, tokensPerChunk: 4}},
    {name: 'bursts with per-chunk usage off the table (completions)', faults: {faults: {burstRate: 1}, seed: 7}, args: ['--api', 'completions']},
    {name: 'a third of the streams dropped half way', faults: {faults: {dropRate: 0.3}, seed: 2}},
  ];
  it.each(cases)('$name', async ({faults, args}) => {
    const m = await serveMock(faults);
    const dir = outDir();
    const r = await runCommand(['profile', '--endpoint', m.url, '--out', dir, ...SMALL, ...(args ?? [])]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/is 0: latency must be positive/);
    // The profile is written whenever a point was measured; points that were not are said, exit 1.
    const profile = validateProfile(JSON.parse(readFileSync(path.join(dir, 'profile.json'), 'utf8')), 'profile.json');
    // The linear model's decode step is 10 ms plus 1 ms per request: no ITL anywhere near 0.
    expect(Math.min(...profile.decode!.z_itl)).toBeGreaterThan(5);
    if (r.exitCode === 0) expect(errorLines(r)).toEqual([]);
    else {
      expect(r.exitCode).toBe(1);
      expect(errorLines(r)).toEqual([expect.stringMatching(/^Error: \d+ points of the sweep could not be measured; the profile holds the others/)]);
      expect(r.stderr).toMatch(/warning: point \S+ could not be measured: /);
    }
  });

  it('spawned: bursts through the built CLI', async () => {
    const m = await serveMock({faults: {burstRate: 1}});
    const dir = outDir();
    const r = await runCli(['profile', '--endpoint', m.url, '--out', dir, ...SMALL], {timeoutMs: 120_000});
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'profile.json'))).toBe(true);
  });

  it('failed requests are said; a point with no success exits 1 with the rest of the profile written', async () => {
    const m = await serveMock({faults: {errorRate: 0.5}, seed: 5});
    const dir = outDir();
    const r = await runCommand(['profile', '--endpoint', m.url, '--out', dir, ...SMALL, '--prefill-repeats', '1']);
    expect(r.stderr).toMatch(/warning: \d+ of \d+ requests failed/);
    if (r.exitCode !== 0) {
      expect(r.exitCode).toBe(1);
      expect(errorLines(r)).toHaveLength(1);
      if (existsSync(path.join(dir, 'profile.json'))) expect(errorLines(r)[0]).toMatch(/could not be measured/);
      else expect(errorLines(r)[0]).toMatch(/no point of the sweep had a successful request/);
    }
  });

  it('a sweep in which every request fails exits 1, says why, and writes no profile', async () => {
    const m = await serveMock({faults: {errorRate: 1}});
    const dir = outDir();
    const r = await runCommand(['profile', '--endpoint', m.url, '--out', dir, ...PREFILL_ONLY]);
    expect(r.exitCode).toBe(1);
    // The first request fails: the sweep stops there, naming the request and what to check.
    expect(errorLines(r)).toEqual([expect.stringMatching(/^Error: the first request to http:\/\/127\.0\.0\.1:\d+ failed: HTTP 500: simulated internal server error/)]);
    expect(existsSync(path.join(dir, 'profile.json'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('kind 1: a server that always answers 429 with a long Retry-After', () => {
  it('waits at most --max-retry-wait and says that it is waiting (spawned, with a timeout)', async () => {
    // 0.001 requests per second: Retry-After is about 1000 s.
    const m = await serveMock({faults: {rateLimit: 0.001}});
    const args = PREFILL_ONLY.filter((a, i) => a !== '--retries' && PREFILL_ONLY[i - 1] !== '--retries');
    const r = await runCli(['profile', '--endpoint', m.url, '--out', outDir(), ...args, '--retries', '1', '--max-retry-wait', '1'], {timeoutMs: 60_000});
    expect(r.stderr).toMatch(/HTTP 429: waiting 1\.0 s before retry 1 of 1 \(the server asked for 99\d s; capped by the retry-wait limit\)/);
    expect(r.exitCode).toBe(1);
    expect(errorLines(r)).toEqual([expect.stringMatching(/^Error: the first request to http:\/\/127\.0\.0\.1:\d+ failed: HTTP 429/)]);
  });
});

/** A server that answers /v1/models, then echoes the credentials it was sent in a 400. */
async function echoServer(): Promise<{url: string; close: () => Promise<void>}> {
  const server = http.createServer((req, res) => {
    if (req.url === '/v1/models') {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({data: [{id: 'm', max_model_len: 4096}]}));
      return;
    }
    const seen = `${req.headers.authorization ?? ''} ${String(req.headers['x-team'] ?? '')}`;
    res.writeHead(400, {'content-type': 'application/json'});
    res.end(JSON.stringify({error: {message: `rejected credentials ${seen}`}}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve()))};
}

/** Stop the serve-mock once it has answered `after` requests: the rest of the sweep meets a closed port. */
function vanishAfter(m: ServeMock, after: number): void {
  const timer = setInterval(() => {
    if (m.counters.success < after) return;
    clearInterval(timer);
    mock = undefined;
    void m.close();
  }, 5);
}

/** Everything the run wrote (files and messages) as one string. */
function everything(dir: string, r: CliResult): string {
  const files = existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')) : [];
  return [r.stdout, r.stderr, ...files].join('\n');
}

describe('kind 7: no secret on disk or in a message', () => {
  const secrets = ['sk-URLSECRET', 'sk-APIKEY', 'sk-ENVKEY', 'hdr-SECRET', 'dXNlcjpzay1VUkxTRUNSRVQ'];
  const withCredentials = (u: string): string => u.replace('http://', 'http://user:sk-URLSECRET@');
  const echoCases: Array<{name: string; url: (u: string) => string; args: string[]}> = [
    {name: 'URL credentials echoed back in an error body', url: withCredentials, args: []},
    {name: '--api-key echoed back', url: (u) => u, args: ['--api-key', 'sk-APIKEY']},
    {name: '--header value echoed back', url: (u) => u, args: ['--header', 'X-Team: hdr-SECRET']},
  ];
  it.each(echoCases)('$name', async ({url, args}) => {
    const s = await echoServer();
    try {
      const dir = outDir();
      const r = await runCommand(['profile', '--endpoint', url(s.url), '--out', dir, ...PREFILL_ONLY, ...args]);
      expect(r.exitCode).toBe(2);
      expect(errorLines(r)).toEqual([expect.stringMatching(/^Error: the first request to http:\/\/127\.0\.0\.1:\d+ failed: HTTP 400: rejected credentials .*\*\*\*/)]);
      const all = everything(dir, r);
      for (const secret of secrets) expect(all).not.toContain(secret);
    } finally {
      await s.close();
    }
  });

  const vanishCases: Array<{name: string; url: (u: string) => string; args: string[]}> = [
    {name: 'URL credentials, a server that goes away mid-sweep', url: withCredentials, args: []},
    {name: '--api-key and --header, a server that goes away mid-sweep', url: (u) => u, args: ['--api-key', 'sk-APIKEY', '--header', 'X-Team: hdr-SECRET']},
  ];
  it.each(vanishCases)('$name', async ({url, args}) => {
    const m = await serveMock();
    vanishAfter(m, 2);
    const dir = outDir();
    const r = await runCommand(['profile', '--endpoint', url(m.url), '--out', dir, ...SMALL, ...args]);
    expect(r.exitCode).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const all = everything(dir, r);
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(readFileSync(path.join(dir, 'samples.jsonl'), 'utf8')).toMatch(/connection refused by http:\/\/127\.0\.0\.1:\d+"/);
  });

  it('spawned: OPENAI_API_KEY and URL credentials echoed back by the server', async () => {
    const s = await echoServer();
    try {
      const dir = outDir();
      const r = await runCli(['profile', '--endpoint', s.url.replace('http://', 'http://user:sk-URLSECRET@'), '--out', dir, ...PREFILL_ONLY], {env: {OPENAI_API_KEY: 'sk-ENVKEY'}, timeoutMs: 60_000});
      expect(r.exitCode).toBe(2);
      const all = everything(dir, r);
      for (const secret of secrets) expect(all).not.toContain(secret);
      expect(all).toContain('rejected credentials Bearer ***');
    } finally {
      await s.close();
    }
  });

  it('redacts a secret however it is spelled in a message', () => {
    const r = new Redactor(['p@ss word', 'sk-1']);
    expect(r.redact('a p@ss word b p%40ss%20word c sk-1')).toBe('a *** b *** c ***');
  });
});
