import type { Argv, Options, PositionalOptions } from 'yargs';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { declaredOptions, type DeclaredOption } from '../reduction/options.js';
import type { AnyReduction } from '../reduction/types.js';
import { asOption, describeZodError } from '../zod-error.js';

/** Parsed arguments as yargs hands them over (before a command's schema has read them). */
export type Args = Record<string, unknown> & { _: (string | number)[] };

/**
 * One CLI command per file in src/cli/commands/. `run` returns the exit code:
 * 0 success, 1 a check failed, 2 bad input (throwing UserError also gives 2).
 * Commands are written with defineCommand (typed arguments from one declaration); this is the
 * form main.ts registers.
 */
export interface CliCommand {
  readonly command: string;
  readonly describe: string;
  /** The arguments as declared (defineCommand): what --help lists and `run` validates. */
  readonly args?: z.ZodObject;
  /** Reads the registries (its flags or its work depend on the registered reductions). */
  readonly usesRegistries?: boolean;
  /**
   * Declare the arguments. `forHelp` is yargs' word that --help (or --version) is on the command
   * line; only then are the help texts needed (see declareArgs).
   */
  builder(y: Argv, ctx: CliContext, forHelp: boolean): Argv;
  run(args: Args, ctx: CliContext): Promise<number>;
  /** Nested commands (e.g. one per generator family under `gen`), registered the same way. */
  readonly subcommands?: readonly CliCommand[];
}

/**
 * The registries a command works with, composed at the root (src/cli/registries.ts for `seth`,
 * a test's own list in tests) and passed in: no command imports reductions/ itself.
 */
export interface CliContext {
  readonly reductions: readonly AnyReduction[];
}

/** What a command's `run` receives besides its arguments. */
export interface CommandContext extends CliContext {
  /** The reduction options given on the command line (keys as the reductions read them); empty unless the command declares `reductionOptions`. */
  readonly reductionOptions: Record<string, unknown>;
}

/**
 * A command's arguments are one zod object: each field's schema gives type, default and
 * constraints, and its metadata (`cliArg`) how the command line spells it. From that one
 * declaration come the yargs options and --help (type, choices, repeatable, default shown) and the
 * typed value `run` receives.
 */
export interface CliArgMeta {
  /** A positional argument (`check <file>`) rather than an option. */
  positional?: boolean;
  alias?: string | string[];
  /** Left out of --help. */
  hidden?: boolean;
  /**
   * How yargs reads the text, where it should differ from the schema's type: a number read as
   * text, so that the schema's error quotes what was given (yargs' number type turns `two` into NaN).
   */
  type?: 'string';
  /** What --help shows as the default where the schema has none (`--size`: as large as A). */
  defaultDescription?: string;
}

/** Describe a field for the command line: its help text, and how it is spelled. */
export function cliArg<T extends z.ZodType>(schema: T, describe: string, cli: CliArgMeta = {}): T {
  return schema.meta({ description: describe, cli });
}

function metaOf(schema: z.ZodType): CliArgMeta {
  const m = schema.meta()?.cli;
  if (typeof m !== 'object' || m === null) return {};
  const out: CliArgMeta = {};
  if ('positional' in m && m.positional === true) out.positional = true;
  if ('hidden' in m && m.hidden === true) out.hidden = true;
  if ('alias' in m && (typeof m.alias === 'string' || Array.isArray(m.alias))) out.alias = typeof m.alias === 'string' ? m.alias : m.alias.map(String);
  if ('type' in m && m.type === 'string') out.type = 'string';
  if ('defaultDescription' in m && typeof m.defaultDescription === 'string') out.defaultDescription = m.defaultDescription;
  return out;
}

interface YargsShape {
  type: 'string' | 'number' | 'boolean';
  choices?: string[];
  array?: boolean;
  defaultValue?: unknown;
  /** Neither optional nor defaulted: yargs demands it (`Missing required argument: …`, `[required]` in --help). */
  required: boolean;
}

/** What yargs needs to know about a schema: its base type, choices, whether repeatable or required. */
function yargsShape(schema: z.ZodType): YargsShape {
  let s: z.core.$ZodType = schema;
  let defaultValue: unknown;
  let required = true;
  for (;;) {
    if (s instanceof z.ZodDefault) {
      defaultValue ??= s.def.defaultValue;
      required = false;
      s = s.def.innerType;
    } else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
      required = false;
      s = s.def.innerType;
    } else if (s instanceof z.ZodPipe) {
      // z.preprocess(f, schema) is a pipe from a transform: the value yargs hands over is the schema's.
      s = s.def.in instanceof z.ZodTransform ? s.def.out : s.def.in;
    } else break;
  }
  const base = (t: z.core.$ZodType): { type: 'string' | 'number' | 'boolean'; choices?: string[] } => {
    if (t instanceof z.ZodNumber) return { type: 'number' };
    if (t instanceof z.ZodBoolean) return { type: 'boolean' };
    if (t instanceof z.ZodEnum) return { type: 'string', choices: t.options.map(String) };
    return { type: 'string' };
  };
  if (s instanceof z.ZodArray) return { ...base(s.def.element), array: true, defaultValue, required };
  return { ...base(s), defaultValue, required };
}

/**
 * Register the fields of an argument object with yargs. The help texts go in only for --help:
 * yargs renders the command's whole help after starting its handler (to show on a failure, which
 * main.ts's .fail never does), and laying out the non-ASCII ones (≤, →, ·) costs string-width
 * about a quarter of a second of CPU — as much as the rest of a small `seth check`.
 */
export function declareArgs(y: Argv, args: z.ZodObject, forHelp = true): Argv {
  let out = y;
  for (const [name, schema] of Object.entries<z.ZodType>(args.shape)) {
    const shape = yargsShape(schema);
    const meta = metaOf(schema);
    const common = {
      describe: forHelp ? (schema.description ?? '') : '',
      type: meta.type ?? shape.type,
      ...(shape.choices ? { choices: shape.choices } : {}),
      ...(meta.alias !== undefined ? { alias: meta.alias } : {}),
    };
    if (meta.positional) {
      const p: PositionalOptions = common;
      out = out.positional(name, p);
    } else {
      const o: Options = {
        ...common,
        ...(shape.array ? { array: true } : {}),
        ...(shape.defaultValue !== undefined ? { default: shape.defaultValue } : {}),
        ...(shape.required ? { demandOption: true } : {}),
        // Outside --help nobody reads the help yargs renders anyway: hidden options skip its layout.
        ...(meta.hidden || !forHelp ? { hidden: true } : {}),
        ...(meta.defaultDescription !== undefined ? { defaultDescription: meta.defaultDescription } : {}),
      };
      out = out.option(name, o);
    }
  }
  return out;
}

/** How a command words a validation error of its arguments (one line). */
export type ArgErrorDescriber = (error: z.ZodError) => string;

const describeArgError: ArgErrorDescriber = (error) => describeZodError(error, asOption);

/** Validate parsed CLI arguments with zod; errors name the option (`option --layers: …`). */
export function parseArgs<S extends z.ZodType>(schema: S, args: Args, describe: ArgErrorDescriber = describeArgError): z.output<S> {
  const r = schema.safeParse(args);
  if (!r.success) throw new UserError(describe(r.error));
  return r.data;
}

/**
 * The command-line flags of the reduction options, one per declared option (src/reduction/options.ts):
 * name, alias, help and validation come from the declaration. Numbers are read from the raw text
 * (yargs' number type would turn `--heads two` into NaN), so the error quotes what was given.
 */
export function reductionArgs(options: readonly DeclaredOption[]): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const o of options) {
    const numeric = innerType(o.schema) instanceof z.ZodNumber;
    const schema = numeric ? z.preprocess(numberFromText, o.schema) : o.schema;
    const cli: CliArgMeta = o.alias !== undefined ? { alias: o.alias } : {};
    if (numeric) cli.type = 'string';
    shape[o.flag] = cliArg(schema, o.help, cli);
  }
  return z.object(shape);
}

/** `"2"` → 2; text that is no finite number stays text (the option's schema then quotes it). */
function numberFromText(v: unknown): unknown {
  const given = Array.isArray(v) ? (v as unknown[])[v.length - 1] : v;
  if (typeof given === 'string' && given.trim() !== '' && Number.isFinite(Number(given))) return Number(given);
  return given;
}

function innerType(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.def.innerType;
  return s;
}

/** The reduction options given on the command line (parsed by reductionArgs), under the keys the reductions read. */
export function reductionOptionsOf(options: readonly DeclaredOption[], parsed: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of options) if (parsed[o.flag] !== undefined) out[o.key] = parsed[o.flag];
  return out;
}

export interface CommandSpec<S extends z.ZodObject> {
  readonly command: string;
  readonly describe: string;
  /** The arguments, declared once (fields described with cliArg). */
  readonly args: S;
  /**
   * Takes the options of the registered reductions: one flag per declared option
   * (src/reduction/options.ts), validated, and handed to `run` as `ctx.reductionOptions`.
   */
  readonly reductionOptions?: boolean;
  /** Reads the registries in `run` (implied by reductionOptions). */
  readonly usesRegistries?: boolean;
  /** Extra yargs configuration (examples, checks between options). */
  readonly configure?: (y: Argv) => Argv;
  /** How an invalid argument is reported (default: `option --name: message`). */
  readonly describeError?: ArgErrorDescriber;
  run(args: z.output<S>, ctx: CommandContext): Promise<number>;
  readonly subcommands?: readonly CliCommand[];
}

/** A command with typed arguments from one declaration. */
export function defineCommand<S extends z.ZodObject>(spec: CommandSpec<S>): CliCommand {
  const optionsFor = (ctx: CliContext): { declared: DeclaredOption[]; args: z.ZodObject } => {
    const declared = declaredOptions(ctx.reductions);
    const args = reductionArgs(declared);
    for (const flag of Object.keys(args.shape)) {
      if (flag in spec.args.shape) throw new Error(`internal: reduction option --${flag} collides with an argument of seth ${spec.command}`);
    }
    return { declared, args };
  };
  return {
    command: spec.command,
    describe: spec.describe,
    args: spec.args,
    ...(spec.reductionOptions || spec.usesRegistries ? { usesRegistries: true } : {}),
    builder: (y, ctx, forHelp) => {
      let out = declareArgs(y, spec.args, forHelp);
      if (spec.reductionOptions) out = declareArgs(out, optionsFor(ctx).args, forHelp);
      return spec.configure ? spec.configure(out) : out;
    },
    run: (raw, ctx) => {
      const args = parseArgs(spec.args, raw, spec.describeError);
      let reductionOptions: Record<string, unknown> = {};
      if (spec.reductionOptions) {
        const o = optionsFor(ctx);
        reductionOptions = reductionOptionsOf(o.declared, parseArgs(o.args, raw));
      }
      return spec.run(args, { ...ctx, reductionOptions });
    },
    ...(spec.subcommands ? { subcommands: spec.subcommands } : {}),
  };
}

/** Human output goes to stdout; progress and warnings to stderr so that pipes stay clean. */
export function warn(message: string): void {
  process.stderr.write(`seth: warning: ${message}\n`);
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
