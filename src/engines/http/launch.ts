/**
 * Start an engine per TP from a user's command template (`{tp}`, `{port}` substituted), without a
 * shell: the template is split into words (single and double quotes group, backslash escapes),
 * run with execa as an argument array, waited on via /health or /v1/models, and stopped with
 * SIGTERM (SIGKILL after a grace period).
 */
import net from 'node:net';
import {execa, type ResultPromise} from 'execa';
import axios from 'axios';
import {badInput, failure, option} from '../../errors.js';

/** Split a command line into words like a POSIX shell would, without expansions. */
export function splitCommand(template: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < template.length && '"\\$`'.includes(template[i + 1]!)) cur += template[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < template.length) {
      cur += template[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) words.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote) throw badInput(`unterminated ${quote} quote in ${JSON.stringify(template)}`).about('launch');
  if (has || cur) words.push(cur);
  if (words.length === 0) throw badInput(`${option('launch')} is empty`);
  return words;
}

/** The argument array for one engine: `{tp}` and `{port}` replaced in every word. */
export function launchArgv(template: string, vars: {tp: number; port: number}): string[] {
  if (!template.includes('{port}')) throw badInput(`${option('launch')} must contain {port}: the engine has to listen where planner connects`);
  return splitCommand(template).map((w) => w.replaceAll('{tp}', String(vars.tp)).replaceAll('{port}', String(vars.port)));
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface LaunchedEngine {
  argv: string[];
  pid?: number;
  url: string;
  /** Last lines the engine wrote (stdout and stderr). */
  logTail(): string[];
  stop(): Promise<void>;
}

export interface LaunchOptions {
  argv: string[];
  url: string;
  readyTimeoutMs: number;
  /** Grace between SIGTERM and SIGKILL, ms. */
  killGraceMs?: number;
  logLines?: number;
  signal?: AbortSignal;
  env?: Record<string, string>;
}

/** Start the engine and resolve once it answers /health (or /v1/models) with 200. */
export async function launchEngine(o: LaunchOptions): Promise<LaunchedEngine> {
  const keep = o.logLines ?? 20;
  const tail: string[] = [];
  let partial = '';
  const onData = (d: Buffer) => {
    const lines = (partial + d.toString('utf8')).split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const l of lines) {
      tail.push(l);
      if (tail.length > keep) tail.shift();
    }
  };
  let child: ResultPromise;
  try {
    child = execa(o.argv[0]!, o.argv.slice(1), {reject: false, stdin: 'ignore', buffer: false, env: o.env, forceKillAfterDelay: o.killGraceMs ?? 10_000, cleanup: true});
  } catch (err) {
    throw badInput(`cannot start ${o.argv[0]}: ${(err as Error).message}`).about('launch');
  }
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: {code: number | undefined; signal: string | undefined; error?: string} | null = null;
  const exitPromise = child.then((r) => {
    exited = {code: r.exitCode, signal: r.signal, error: r.failed && r.exitCode === undefined && !r.signal ? r.message : undefined};
  });
  const logTail = () => (partial ? [...tail, partial] : [...tail]).slice(-keep);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return exitPromise;
    stopped = true;
    if (!exited) child.kill('SIGTERM');
    await exitPromise;
  };
  const engine: LaunchedEngine = {argv: o.argv, pid: child.pid, url: o.url, logTail, stop};
  const deadline = Date.now() + o.readyTimeoutMs;
  const logText = () => {
    const t = logTail().filter((l) => l.trim() !== '');
    return t.length > 0 ? `; its last log lines:\n${t.map((l) => `  ${l}`).join('\n')}` : '; it printed nothing';
  };
  for (;;) {
    if (exited) {
      const e = exited as {code: number | undefined; signal: string | undefined; error?: string};
      await stop();
      throw failure(`the engine ${JSON.stringify(o.argv.join(' '))} exited before it was ready (${e.error ?? (e.signal ? `signal ${e.signal}` : `exit code ${e.code}`)})${logText()}`);
    }
    if (o.signal?.aborted) {
      await stop();
      throw failure('interrupted while waiting for the engine to start');
    }
    for (const path of ['/health', '/v1/models']) {
      try {
        const r = await axios.get(`${o.url}${path}`, {timeout: 2000, validateStatus: () => true, proxy: false});
        if (r.status === 200) return engine;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw failure(`the engine did not answer ${o.url}/health or /v1/models within ${Math.round(o.readyTimeoutMs / 1000)} s${logText()}`, `raise ${option('readyTimeoutMs')} or check the command`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
