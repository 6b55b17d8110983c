/**
 * The one parser of number flags: finite numbers in a stated range, errors naming the flag, the
 * limit and why it exists (exit 2). Every numeric flag of every command goes through it.
 */
import {Flags} from '@oclif/core';
import {badInput} from '../errors.js';
import {checkNumber, type NumberRange} from '../limits.js';

export type {NumberRange};

/** Parse one flag value (text) against a range; `label` names it in errors (e.g. "--isl"). */
export function parseNumberText(text: string, range: NumberRange, label: string): number {
  const trimmed = text.trim();
  const v = trimmed === '' ? Number.NaN : Number(trimmed);
  if (Number.isNaN(v)) throw badInput(`${label} must be a number, got ${JSON.stringify(text)}`);
  return checkNumber(v, range, label);
}

/** A number flag: `numberFlag({description, default?, min?, max?, maxReason?, ...})`. */
export const numberFlag = Flags.custom<number, NumberRange>({
  parse: async (input, _ctx, opts) => parseNumberText(input, opts, `--${opts.name}`),
});

/** An integer flag with the same range options. */
export const integerFlag = Flags.custom<number, NumberRange>({
  parse: async (input, _ctx, opts) => parseNumberText(input, {...opts, integer: true}, `--${opts.name}`),
});

/** Comma-separated integers in a range, e.g. `--tp 1,2,4,8`. */
export const integerListFlag = Flags.custom<number[], NumberRange>({
  parse: async (input, _ctx, opts) => input.split(',').map((s) => parseNumberText(s, {...opts, integer: true}, `--${opts.name}`)),
});
