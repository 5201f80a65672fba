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
  return z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: `--${flag} must be true or false` })).default(false);
}

/** An entry probability in (0, 1] (default 0.5). */
export function densityOption() {
  return z.coerce
    .number({ error: '--density must be a number' })
    .gt(0, '--density must be in (0, 1] (the probability of a 1)')
    .lte(1, '--density must be in (0, 1] (the probability of a 1)')
    .default(0.5);
}

/**
 * A command-line option of a generator: its schema with the help `seth gen <id> --help` shows,
 * and, where the schema has no default, what --help names as the default (`--size`). The CLI
 * reads this metadata (src/cli/command.ts: description, cli.defaultDescription).
 */
export function flag<T extends z.ZodType>(schema: T, help: string, defaultDescription?: string): T {
  return schema.meta(defaultDescription === undefined ? { description: help } : { description: help, cli: { defaultDescription } });
}

/**
 * The flags are keyed as typed (`size-b`), the options a generator records in provenance as
 * camelCase (`sizeB`): returns a preprocessor that copies each camelCase key to its `kebab` name
 * when unset, so that both spellings parse (the CLI's, and a recorded provenance's).
 */
export function kebabFromCamel(...kebab: readonly string[]): (v: unknown) => unknown {
  const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const o: Record<string, unknown> = { ...v };
    for (const k of kebab) if (o[k] === undefined && o[camel(k)] !== undefined) o[k] = o[camel(k)];
    return o;
  };
}
