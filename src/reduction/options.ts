import { z } from 'zod';

/**
 * A reduction's options are declared once, as the fields of its `optionsSchema`, each made with
 * `reductionOption`. From that one declaration come the command-line flag of every command that
 * takes reduction options (name, type, help, validation), the values the generic closed loop
 * varies, the provenance record of a forward step, the rebuild of a model's source from that
 * record, and the option lines of `seth check --explain`. An option several reductions read
 * (layers, heads, β, …) is one declaration they all use (reductions/gadgets/options.ts): the
 * chain hands one record of options to every step, so a name must mean the same everywhere.
 */
export interface OptionSpec {
  /** One line of help: `--help` and `--explain` show it. */
  help: string;
  /** The command-line flag without dashes (default: the field name in kebab case, kvGroups → kv-groups). */
  flag?: string;
  /** A one-letter alias (`-L`). */
  alias?: string;
  /**
   * The values the generic closed loop draws (besides leaving the option out). Default, from the
   * schema: both booleans, every enum value, integers min … min + 3. A number without bounds has
   * no default and must say which values keep the construction correct.
   */
  vary?: readonly unknown[];
}

const META_KEY = 'reductionOption';

/**
 * Declare one option of a reduction: the schema of its value (always optional: a chain runs with
 * the options it is given, the rest at the reduction's defaults) and how it is spelled and tested.
 */
export function reductionOption<T extends z.ZodType>(schema: T, spec: OptionSpec): z.ZodOptional<T> {
  return schema.optional().meta({ description: spec.help, [META_KEY]: spec });
}

/** One declared option, as every consumer sees it. */
export interface DeclaredOption {
  /** The field name the reductions read (`kvGroups`). */
  key: string;
  /** The command-line flag (`kv-groups`). */
  flag: string;
  alias?: string;
  help: string;
  /** The value's schema (optional; as declared). */
  schema: z.ZodType;
  /** What the generic closed loop draws. */
  vary: readonly unknown[];
  /** The reductions that declare it (ids, registry order). */
  reductions: string[];
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The schema under optional/default wrappers. */
function innerOf(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.def.innerType;
  return s;
}

function defaultVary(key: string, schema: z.ZodType): readonly unknown[] {
  const s = innerOf(schema);
  if (s instanceof z.ZodBoolean) return [false, true];
  if (s instanceof z.ZodEnum) return s.options;
  if (s instanceof z.ZodNumber && s.isInt && s.minValue !== null && Number.isFinite(s.minValue)) {
    const min = s.minValue;
    return [min, min + 1, min + 2, min + 3];
  }
  throw new Error(`internal: reduction option ${key} declares no values to vary (give vary: [...] in its reductionOption)`);
}

/** The options one reduction declares, in declaration order. */
export function optionsOf(r: { readonly id: string; readonly optionsSchema: { readonly shape: Readonly<Record<string, z.ZodType>> } }): DeclaredOption[] {
  return Object.entries(r.optionsSchema.shape).map(([key, schema]) => {
    const meta = schema.meta()?.[META_KEY];
    if (typeof meta !== 'object' || meta === null || !('help' in meta) || typeof meta.help !== 'string') {
      throw new Error(`internal: option ${key} of reduction ${r.id} is not declared with reductionOption (src/reduction/options.ts)`);
    }
    const spec = meta as OptionSpec;
    if (spec.vary !== undefined && spec.vary.length === 0) throw new Error(`internal: option ${key} of reduction ${r.id} declares an empty vary`);
    return {
      key,
      flag: spec.flag ?? kebab(key),
      ...(spec.alias !== undefined ? { alias: spec.alias } : {}),
      help: spec.help,
      schema,
      vary: spec.vary ?? defaultVary(key, schema),
      reductions: [r.id],
    };
  });
}

/**
 * Every option the given reductions declare, once each (by key). Two reductions declaring the same
 * key with different schemas, or two keys claiming one flag, are a programming error: the chain
 * passes one record to every step, so a shared option must be one shared declaration.
 */
export function declaredOptions(
  reductions: readonly { readonly id: string; readonly optionsSchema: { readonly shape: Readonly<Record<string, z.ZodType>> } }[],
): DeclaredOption[] {
  const byKey = new Map<string, DeclaredOption>();
  const byFlag = new Map<string, string>();
  for (const r of reductions) {
    for (const o of optionsOf(r)) {
      const seen = byKey.get(o.key);
      if (seen) {
        if (seen.schema !== o.schema) {
          throw new Error(
            `internal: reductions ${seen.reductions[0]} and ${r.id} declare option ${o.key} differently; share one declaration (reductions/gadgets/options.ts)`,
          );
        }
        seen.reductions.push(r.id);
        continue;
      }
      for (const name of [o.flag, ...(o.alias !== undefined ? [o.alias] : [])]) {
        const other = byFlag.get(name);
        if (other !== undefined) throw new Error(`internal: options ${other} and ${o.key} both claim the flag -${name.length > 1 ? '-' : ''}${name}`);
        byFlag.set(name, o.key);
      }
      byKey.set(o.key, o);
    }
  }
  return [...byKey.values()];
}

/** The flag that names an option key on the command line (the key itself when no reduction declares it). */
export function flagOf(options: readonly DeclaredOption[], key: string): string {
  return options.find((o) => o.key === key)?.flag ?? key;
}

/** The recorded values of the options a reduction declares, from a provenance record's params. */
export function recordedOptions(r: Parameters<typeof optionsOf>[0], params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of optionsOf(r)) if (params[o.key] !== undefined) out[o.key] = params[o.key];
  return out;
}

/** `--layers 2, --balance` for the options given (as the command line would spell them). */
export function formatOptions(options: readonly DeclaredOption[], values: Readonly<Record<string, unknown>>): string {
  return options
    .filter((o) => values[o.key] !== undefined)
    .map((o) => (values[o.key] === true ? `--${o.flag}` : `--${o.flag} ${String(values[o.key])}`))
    .join(', ');
}

const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** A count (≥ 0 or ≥ 1) whose error quotes what was given: `expected a positive integer, got "two"`. */
export function countSchema(min: 0 | 1): z.ZodNumber {
  const error = (iss: { input?: unknown }): string => `expected ${min === 1 ? 'a positive' : 'a non-negative'} integer, got ${shown(iss.input)}`;
  return z.number({ error }).int({ error, abort: true }).min(min, { error });
}

/** An integer ≥ min, with the bound in the error: `expected an integer k ≥ 2, got 1`. */
export function integerAtLeast(name: string, min: number): z.ZodNumber {
  const error = (iss: { input?: unknown }): string => `expected an integer ${name} ≥ ${min}, got ${shown(iss.input)}`;
  return z.number({ error }).int({ error, abort: true }).min(min, { error });
}

/** A finite number > 0. */
export function positiveNumber(): z.ZodNumber {
  const error = (iss: { input?: unknown }): string => `expected a positive number, got ${shown(iss.input)}`;
  return z.number({ error }).positive({ error });
}
