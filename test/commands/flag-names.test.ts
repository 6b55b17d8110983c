/**
 * Library errors and hints name options by key (src/errors.ts: option(), subject); each command
 * shows them as its own flags. One case per library message that refers to an option.
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {REPO_ROOT, runCommand} from '../helpers/cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'flag-names-'));
const ticks = path.join(REPO_ROOT, 'fixtures/ticks/decode-sla.jsonl');

describe('library errors name the command\'s flags', () => {
  const cases: {name: string; args: () => string[]; exit: number; error: string | RegExp}[] = [
    {name: 'an unterminated quote in --launch', args: () => ['profile', '--launch', "serve 'model {port}", '--out', tmp()], exit: 2, error: `Error: --launch: unterminated ' quote in "serve 'model {port}"`},
    {name: '--launch without {port}', args: () => ['profile', '--launch', 'serve model', '--out', tmp()], exit: 2, error: 'Error: --launch must contain {port}: the engine has to listen where planner connects'},
    {name: 'a missing --tokenizer file', args: () => ['profile', '--endpoint', 'http://127.0.0.1:9', '--tokenizer', '/nonexistent/tokenizer.json', '--out', tmp()], exit: 2, error: 'Error: --tokenizer /nonexistent/tokenizer.json: the file does not exist'},
    {name: 'a --tokenizer file without a vocabulary', args: () => {
      const f = path.join(tmp(), 'tokenizer.json');
      writeFileSync(f, '{"model": {}}');
      return ['profile', '--endpoint', 'http://127.0.0.1:9', '--tokenizer', f, '--out', tmp()];
    }, exit: 2, error: /^Error: --tokenizer .*tokenizer\.json: no model\.vocab in it \(give the tokenizer\.json of the served model\)$/},
    {name: 'a missing --planner-config file', args: () => ['dryrun', '--mode', 'ticks', '--ticks', ticks, '--out', tmp(), '--planner-config', '/nonexistent/planner.yaml'], exit: 2, error: 'Error: --planner-config /nonexistent/planner.yaml does not exist (and is not inline JSON)'},
    {name: 'a --set pair without =', args: () => ['dryrun', '--mode', 'ticks', '--ticks', ticks, '--out', tmp(), '--set', 'itl_ms'], exit: 2, error: 'Error: --set itl_ms: expected KEY=VALUE (a Dynamo planner config key, e.g. load_scaling_down_sensitivity=60)'},
    {name: 'a bad --percentiles list (a library parser, labelled by the command)', args: () => ['simulate', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--isl', '100', '--osl', '10', '--concurrency', '1', '--percentiles', '50,101'], exit: 2, error: 'Error: --percentiles: percentiles must be numbers in (0, 100], comma-separated (got "50,101")'},
    {name: 'FP4 weights on a GPU without FP4', args: () => ['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100_sxm', '--quant', 'fp4', '--isl', '1000'], exit: 2, error: /^Error: .* has no FP4 tensor cores: --quant fp4 needs a Blackwell GPU$/},
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runCommand(c.args());
      expect(r.stderr.trim().split('\n').at(-1)).toEqual(typeof c.error === 'string' ? c.error : expect.stringMatching(c.error));
      expect(r.exitCode).toBe(c.exit);
    });
  }

  it('a library notice names the flag too: --max-context capped at the model\'s positions', async () => {
    const r = await runCommand(['profile', '--synthetic', '--model', 'llama-3.1-8b', '--gpu', 'h200_sxm', '--tp', '1', '--max-context', '1000000', '--prefill-granularity', '2', '--decode-granularity', '2', '--out', tmp(), '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain("--max-context 1000000 exceeds llama-3.1-8b's 131072 positions; using 131072");
  });
});
