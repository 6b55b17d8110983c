import {execa, type ResultPromise} from 'execa';
import {mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {REPO_ROOT, runCli, SHIPPED_PROFILE} from '../helpers/cli.js';

/**
 * Spawn `planner serve-mock` and wait for what it prints on stdout: the URL line, or with --json
 * a whole JSON object; rejects if the process exits first. The test timeout guards a server that
 * never starts.
 */
async function spawnServeMock(args: string[]): Promise<{proc: ResultPromise; printed: string}> {
  const json = args.includes('--json');
  const proc = execa(process.execPath, [path.join(REPO_ROOT, 'bin/run.js'), 'serve-mock', '--port', '0', ...args], {reject: false, env: {NO_COLOR: '1'}});
  const firstLine = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (json) {
        try {
          JSON.parse(out);
          resolve(out);
        } catch {
          // not complete yet
        }
        return;
      }
      const end = out.indexOf('\n');
      if (end >= 0) resolve(out.slice(0, end));
    });
    void proc.then((r) => reject(new Error(`serve-mock exited (${r.exitCode}): ${r.stderr}`)));
  });
  return {proc, printed: firstLine};
}

describe('planner serve-mock (spawned)', () => {
  let running: ResultPromise | undefined;
  afterEach(async () => {
    if (running) {
      running.kill('SIGTERM');
      await running;
      running = undefined;
    }
  });

  it('serves the profile model with its TTFT, and stops on SIGTERM', async () => {
    const truth = path.join(mkdtempSync(path.join(os.tmpdir(), 'serve-mock-cli-')), 'truth.jsonl');
    const {proc, printed: url} = await spawnServeMock(['--profile', SHIPPED_PROFILE, '--truth', truth]);
    running = proc;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const models = (await (await fetch(`${url}/v1/models`)).json()) as {data: {id: string}[]};
    expect(models.data[0].id).toBe('nvidia/Llama-3.1-8B-Instruct-FP8');
    const prompt = Array.from({length: 5185}, () => 'x').join(' ');
    const res = await fetch(`${url}/v1/completions`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({prompt, max_tokens: 2})});
    const body = (await res.json()) as {usage: {prompt_tokens: number}};
    expect(body.usage.prompt_tokens).toBe(5185);
    proc.kill('SIGTERM');
    const r = await proc;
    running = undefined;
    expect(r.exitCode).toBe(0);
    // The server's own log (flushed on exit): prefill_ttft at ISL 5185 is the profile's point,
    // 104.89 ms, counted from arrival (the first iteration starts on the next event-loop turn).
    const [t] = readFileSync(truth, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(t).toMatchObject({status: 'ok', promptTokens: 5185, completionTokens: 2});
    expect(t.ttftMs).toBeGreaterThanOrEqual(104.89 - 0.01);
    expect(t.tokenOffsetsMs).toHaveLength(2);
  });

  it('--json prints the address as JSON', async () => {
    const {proc, printed} = await spawnServeMock(['--profile', SHIPPED_PROFILE, '--json', '--served-model-name', 'm1']);
    running = proc;
    const info = JSON.parse(printed);
    expect(info).toMatchObject({host: '127.0.0.1', model: 'm1', url: `http://127.0.0.1:${info.port}`});
    expect(info.port).toBeGreaterThan(0);
    expect((await fetch(`${info.url}/health`)).status).toBe(200);
    const r = await fetch(`${info.url}/v1/completions`, {method: 'POST', body: JSON.stringify({model: 'other', prompt: 'a'})});
    expect(r.status).toBe(400);
  });

  it('--synthetic serves the op-level model under the --model name; --chat-role-delta', async () => {
    const {proc, printed: url} = await spawnServeMock(['--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--chat-role-delta']);
    running = proc;
    const r = await fetch(`${url}/v1/chat/completions`, {method: 'POST', body: JSON.stringify({model: 'llama-3.1-8b', messages: [{role: 'user', content: 'hello there'}], max_tokens: 5})});
    const body = (await r.json()) as {usage: unknown};
    expect(body.usage).toEqual({prompt_tokens: 2, completion_tokens: 5, total_tokens: 7});
    const s = await fetch(`${url}/v1/chat/completions`, {method: 'POST', body: JSON.stringify({messages: [{role: 'user', content: 'hi'}], max_tokens: 2, stream: true})});
    const first = (await s.text()).split('\n\n')[0]!;
    expect(JSON.parse(first.slice('data: '.length)).choices[0].delta).toEqual({role: 'assistant', content: ''});
  });

  it('rejects bad flags with one line and exit 2', async () => {
    const r = await runCli(['serve-mock', '--profile', SHIPPED_PROFILE, '--error-rate', '2']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('Error: --error-rate must be <= 1, got 2 (see --help)');
    const s = await runCli(['serve-mock', '--profile', SHIPPED_PROFILE, '--stall-rate', '0.5']);
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toMatch(/--stall-rate needs --stall-ms/);
  });
});
