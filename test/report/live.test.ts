import {describe, expect, it} from 'vitest';
import {decodeCsv, liveReportHtml, prefillCsv} from '../../src/report/live.js';
import type {LiveArrays} from '../../src/sweep/live-profile.js';
import type {Profile} from '../../src/profile/types.js';
import {withoutCredentials} from '../../src/engines/http/client.js';

const arrays: LiveArrays = {
  spread: {},
  dropped: [{point: 'prefill/isl=<b>', reason: '0 of 3 requests succeeded'}, {point: 'prefill/isl=350', reason: 'its measured ISL 101 does not exceed the 101 of prefill/isl=100 (the profile\'s ISLs must increase)'}],
  unmeasured: [{point: 'prefill/isl=<b>', reason: '0 of 3 requests succeeded'}],
  prefillPoints: [{point: 'prefill/isl=100', requestedIsl: 100, isl: 101, ttftMs: 20, ttftP10Ms: 19, ttftP90Ms: 22, thptPerGpu: 5050, ok: 3, errors: 0}],
  decodePoints: [{point: 'decode/isl=100/n=4', requestedIsl: 100, isl: 100, osl: 500, concurrency: 4, contextLength: 350, kvUsage: 0.1, itlMs: 9.5, itlP10Ms: 9, itlP90Ms: 10, thptPerGpu: 420, steady: true, windowMs: 4000, ok: 3, errors: 1}],
};
const profile = {
  format: 'planner-profile', version: 1,
  engine: {model: '<script>alert(1)</script>', gpu: 'h200_sxm', tp: 1, gpusPerEngine: 1, backend: 'vllm', maxKvTokens: 14_000},
  source: {kind: 'live', endpoint: 'http://h/"><img src=x>', createdAt: '2026-01-01T00:00:00.000Z', tool: 'planner 0.1.0'},
} as Profile;

describe('live report', () => {
  it('escapes every string and plots both phases', () => {
    const html = liveReportHtml(profile, arrays, {errorKinds: {'HTTP N: <i>boom</i>': 1}, requests: 7, errors: 1, shortOutputs: 0}).toString();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<img src=x>');
    expect(html).not.toContain('<i>boom</i>');
    expect(html).toContain('Prefill: TTFT vs ISL (median, p10-p90 band)');
    expect(html).toContain('Decode: ITL vs KV usage, one line per context length');
    expect(html).toContain('Errors by kind');
  });

  it('says first which points could not be measured and why, then the other points left out', () => {
    const html = liveReportHtml(profile, arrays, {errorKinds: {}, requests: 7, errors: 3, shortOutputs: 0}).toString();
    const body = html.slice(html.indexOf('<body'));
    const first = body.indexOf('1 point could not be measured (the profile holds the others; --resume measures them again)');
    expect(first).toBeGreaterThan(-1);
    expect(first).toBeLessThan(body.indexOf('Prefill: TTFT vs ISL'));
    expect(body).toContain('<td>prefill/isl=&lt;b&gt;</td><td>0 of 3 requests succeeded</td>');
    expect(body).toContain('Other points left out of the profile');
    expect(body).toContain('its measured ISL 101 does not exceed the 101 of prefill/isl=100');
    const complete = liveReportHtml(profile, {...arrays, unmeasured: [], dropped: []}, {errorKinds: {}, requests: 7, errors: 0, shortOutputs: 0}).toString();
    expect(complete).not.toContain('could not be measured');
    expect(complete).not.toContain('left out');
  });

  it('CSV tables have one row per point', () => {
    expect(prefillCsv(arrays.prefillPoints)).toBe('point,requestedIsl,isl,ttftMs,ttftP10Ms,ttftP90Ms,thptPerGpu,ok,errors\nprefill/isl=100,100,101,20,19,22,5050,3,0\n');
    expect(decodeCsv(arrays.decodePoints).split('\n')[1]).toBe('decode/isl=100/n=4,100,100,500,4,350,0.1,9.5,9,10,420,true,4000,3,1');
  });

  it('endpoint credentials never reach the profile', () => {
    expect(withoutCredentials('http://user:secret@host:8000')).toBe('http://host:8000');
    expect(withoutCredentials('http://host:8000')).toBe('http://host:8000');
  });
});
