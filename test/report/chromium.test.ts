// Opens a real dry-run report in headless Chromium (when installed) and checks that Plotly drew
// every figure offline. Skipped on machines without Chromium; the rest of the suite does not need it.
import {describe, expect, it} from 'vitest';
import {execa} from 'execa';
import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {runCli} from '../helpers/cli.js';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

describe('dry-run report in a browser', () => {
  it.skipIf(!chromium)('renders every figure offline', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'report-'));
    const out = path.join(dir, 'out');
    const run = await runCli(['dryrun', '--out', out, '--time-duration', '3600', '--predictor', 'kalman']);
    expect(run.exitCode).toBe(0);
    const dom = await execa(chromium!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'profile')}`, '--virtual-time-budget=10000',
      '--dump-dom', `file://${path.join(out, 'report.html')}`,
    ], {reject: false, timeout: 300_000});
    expect(dom.stdout).toContain('data-plots-ready="6"');
    expect((dom.stdout.match(/class="main-svg"/g) ?? []).length).toBeGreaterThanOrEqual(10);
  });
});
