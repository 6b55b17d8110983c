import {describe, expect, it} from 'vitest';
import {gpuBudgetText} from '../../src/planner/dryrun-ticks-report.js';

describe('the ticks report says the GPU budget as a reader would', () => {
  it('-1 is off for either bound (Dynamo), a minimum of 0 is no minimum', () => {
    expect(gpuBudgetText(-1, 16)).toBe('at most 16 GPUs');
    expect(gpuBudgetText(0, 16)).toBe('at most 16 GPUs');
    expect(gpuBudgetText(2, 16)).toBe('2 to 16 GPUs');
    expect(gpuBudgetText(4, -1)).toBe('at least 4 GPUs');
    expect(gpuBudgetText(-1, -1)).toBe('no limit');
  });
});
