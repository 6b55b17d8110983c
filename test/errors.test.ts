import {describe, expect, it} from 'vitest';
import {PlannerError, badInput, errorLine, failure, option, renderOptions, withSubject} from '../src/errors.js';

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

  it('shows option references and the subject by the caller\'s names, by key otherwise', () => {
    const err = badInput(`give ${option('maxKvTokens')}`, `or ${option('only')} prefill`).about('endpoint');
    expect(err.message).toBe('give maxKvTokens');
    expect(err.hint).toBe('or only prefill');
    expect(errorLine(err)).toBe('Error: endpoint: give maxKvTokens (or only prefill)');
    const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    expect(errorLine(err, flag)).toBe('Error: --endpoint: give --max-kv-tokens (or --only prefill)');
    expect(err.exitCode).toBe(2);
    expect(renderOptions('a {port} template stays', flag)).toBe('a {port} template stays');
    // oclif rewrites the message of an error thrown inside a flag parser; the rewrite is kept
    const parsed = badInput(`${option('maxKvTokens')} must be > 0 ($1)`);
    parsed.message = `Parsing --x \n\t${parsed.message}\nSee more help with --help`;
    expect(errorLine(parsed, flag)).toBe('Error: Parsing --x --max-kv-tokens must be > 0 ($1) (see --help)');
  });

  it('withSubject labels a PlannerError from a sync or async call once, and passes other errors through', async () => {
    expect(() => withSubject('goodput', () => {
      throw badInput('bad target');
    })).toThrow(expect.objectContaining({subject: 'goodput', exitCode: 2}));
    await expect(withSubject('profile', async () => {
      throw failure('x').about('inner');
    })).rejects.toMatchObject({subject: 'inner', exitCode: 1});
    const plain = new TypeError('bug');
    expect(() => withSubject('goodput', () => {
      throw plain;
    })).toThrow(plain);
    expect(withSubject('goodput', () => 3)).toBe(3);
  });
});
