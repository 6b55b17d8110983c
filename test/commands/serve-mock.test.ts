import {execa, type ResultPromise} from 'execa';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {REPO_ROOT, runCli, SHIPPED_PROFILE} from '../helpers/cli.js';

/** Spawn `planner serve-mock` and wait for the URL it prints on stdout. */
async function spawnServeMock(args: string[]): Promise<{proc: ResultPromise; url: string}> {
  const proc = execa(process.execPath, [path.join(REPO_ROOT, 'bin/run.js'), 'serve-mock', '--profile', SHIPPED_PROFILE, '--port', '0', ...args], {reject: false, env: {NO_COLOR: '1'}});
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${out}`)), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void proc.then((r) => reject(new Error(`serve-mock exited: ${r.stderr}`)));
  });
  return {proc, url};
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
    const {proc, url} = await spawnServeMock([]);
    running = proc;
    const models = await (await fetch(`${url}/v1/models`)).json();
    expect(models.data[0].id).toBe('nvidia/Llama-3.1-8B-Instruct-FP8');
    const prompt = Array.from({length: 5185}, () => 'x').join(' ');
    await fetch(`${url}/v1/completions`, {method: 'POST', body: JSON.stringify({prompt: 'warm', max_tokens: 1})});
    const start = performance.now();
    const res = await fetch(`${url}/v1/completions`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({prompt, max_tokens: 1})});
    const body = await res.json();
    const ms = performance.now() - start;
    expect(body.usage.prompt_tokens).toBe(5185);
    // prefill_ttft at ISL 5185 is 104.89 ms (the profile's point)
    expect(ms).toBeGreaterThanOrEqual(104.8);
    expect(ms).toBeLessThan(104.9 + 60);
    proc.kill('SIGTERM');
    const r = await proc;
    running = undefined;
    expect(r.exitCode).toBe(0);
  });

  it('--json prints the address as JSON', async () => {
    const {proc, url} = await spawnServeMock(['--json', '--served-model-name', 'm1']);
    running = proc;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const r = await fetch(`${url}/v1/completions`, {method: 'POST', body: JSON.stringify({model: 'other', prompt: 'a'})});
    expect(r.status).toBe(400);
  });

  it('--synthetic serves the op-level model under the --model name', async () => {
    const proc = execa(process.execPath, [path.join(REPO_ROOT, 'bin/run.js'), 'serve-mock', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--port', '0'], {reject: false, env: {NO_COLOR: '1'}});
    running = proc;
    const url = await new Promise<string>((resolve) => proc.stdout!.on('data', (d: Buffer) => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    }));
    const r = await fetch(`${url}/v1/chat/completions`, {method: 'POST', body: JSON.stringify({model: 'llama-3.1-8b', messages: [{role: 'user', content: 'hello there'}], max_tokens: 5})});
    const body = await r.json();
    expect(body.usage).toEqual({prompt_tokens: 2, completion_tokens: 5, total_tokens: 7});
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
