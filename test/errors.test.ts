import {describe, expect, it} from 'vitest';
import {PlannerError, badInput, errorLine, failure} from '../src/errors.js';

describe('errors', () => {
  it('bad input exits 2, failures exit 1', () => {
    expect(badInput('x').exitCode).toBe(2);
    expect(failure('x').exitCode).toBe(1);
    expect(new PlannerError('x').exitCode).toBe(1);
  });

  it('renders one line with the hint', () => {
    expect(errorLine(badInput('profile.json: prefill.prefill_ttft[3] is NaN', 'fix the file'))).toBe(
      'Error: profile.json: prefill.prefill_ttft[3] is NaN (fix the file)',
    );
  });

  it('folds multi-line library messages onto one line', () => {
    expect(errorLine(new Error('Expected an integer\n  See more help with --help'))).toBe(
      'Error: Expected an integer (see --help)',
    );
  });
});
