/** oclif flags for finite numbers with range checks; errors name the flag (exit 2). */
import {Flags} from '@oclif/core';
import {badInput} from '../errors.js';

interface NumberFlagOptions {
  description: string;
  default?: number;
  min?: number;
  /** Reject the minimum itself (strictly greater). */
  exclusiveMin?: boolean;
  max?: number;
  integer?: boolean;
  helpGroup?: string;
}

function parser(name: string, o: NumberFlagOptions) {
  return async (input: string): Promise<number> => {
    const v = Number(input);
    if (input.trim() === '' || !Number.isFinite(v)) throw badInput(`--${name} must be a number, got "${input}"`);
    if (o.integer && !Number.isInteger(v)) throw badInput(`--${name} must be an integer, got ${input}`);
    if (o.min !== undefined && (o.exclusiveMin ? v <= o.min : v < o.min)) throw badInput(`--${name} must be ${o.exclusiveMin ? '>' : '>='} ${o.min}, got ${input}`);
    if (o.max !== undefined && v > o.max) throw badInput(`--${name} must be <= ${o.max}, got ${input}`);
    return v;
  };
}

/** A number flag with a default (always defined after parsing). */
export function numberFlag(name: string, o: NumberFlagOptions & {default: number}) {
  return Flags.custom<number>({description: o.description, helpGroup: o.helpGroup, parse: parser(name, o)})({default: o.default});
}

/** A number flag without a default (undefined when not given). */
export function optionalNumberFlag(name: string, o: NumberFlagOptions) {
  return Flags.custom<number>({description: o.description, helpGroup: o.helpGroup, parse: parser(name, o)})();
}
