import {startServeMock, type ServeMock, type ServeMockOptions} from '../../src/engines/sim/server.js';
import type {PerfModel} from '../../src/engines/perf-model.js';
import {linearPerfModel} from './linear-perf-model.js';

export type {ServeMock};

/**
 * Start a serve-mock in this process on 127.0.0.1 and a free port. Defaults to the linear test
 * model (step = 10 ms + 0.01 ms per prefill token + 1 ms per decode request + 0.001 ms per KV token).
 * Always `await mock.close()` (e.g. in afterEach/afterAll).
 */
export async function startTestServeMock(options: Partial<ServeMockOptions> & {perfModel?: PerfModel} = {}): Promise<ServeMock> {
  return startServeMock({model: 'mock-model', ...options, perfModel: options.perfModel ?? linearPerfModel(), host: '127.0.0.1', port: 0});
}

/** Run a callback against a fresh serve-mock and stop it afterwards, even on failure. */
export async function withServeMock<T>(options: Partial<ServeMockOptions>, fn: (mock: ServeMock) => Promise<T>): Promise<T> {
  const mock = await startTestServeMock(options);
  try {
    return await fn(mock);
  } finally {
    await mock.close();
  }
}
