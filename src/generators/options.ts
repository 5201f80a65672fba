import { z } from 'zod';

/**
 * Option schemas shared by the generator families: values arrive from yargs (numbers, or strings
 * from programmatic callers) and leave as validated numbers and booleans with messages that
 * name the flag.
 */
export function intOption(flag: string, min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z.coerce
    .number({ error: `--${flag} must be a number` })
    .int(`--${flag} must be an integer`)
    .min(min, `--${flag} must be an integer ≥ ${min}`)
    .max(max, max === Number.MAX_SAFE_INTEGER ? `--${flag} is too large` : `--${flag} is too large (at most ${max})`);
}

/** A boolean flag (default false); accepts the strings "true" and "false" too. */
export function flagOption(flag: string) {
  return z
    .preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: `--${flag} must be true or false` }))
    .default(false);
}
