import {Flags} from '@oclif/core';
import {badInput} from '../errors.js';

/** Parse a number flag that must be > 0 (or >= 0 with `allowZero`), naming the flag in the error. */
export function parsePositive(text: string, flag: string, allowZero = false): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw badInput(`--${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${JSON.stringify(text)})`);
  }
  return v;
}

/** A floating-point flag that must be positive. */
export const positiveNumber = Flags.custom<number>({
  parse: async (input, _ctx, opts) => parsePositive(input, opts.name),
});

/** Comma-separated positive integers, e.g. `--tp 1,2,4,8`. */
export const integerList = Flags.custom<number[]>({
  parse: async (input, _ctx, opts) =>
    input.split(',').map((s) => {
      const v = Number(s.trim());
      if (!Number.isInteger(v) || v <= 0) throw badInput(`--${opts.name} must be a comma-separated list of positive integers (got ${JSON.stringify(input)})`);
      return v;
    }),
});
