import type { Argv } from 'yargs';
import { z } from 'zod';
import { UserError, describeValue } from '../errors.js';
import { DEFAULT_ENGINE, engineHelp, engineOptionHelp, findEngine, parseEngineOptions, validateEngineOptions } from '../engine/registry.js';
import type { DType } from '../engine/types.js';
import { defaultBudget, type MemoryBudget } from '../memory.js';
import { cliArg, type Args } from './command.js';

export { parseArgs } from './command.js';

export const withForce = (y: Argv): Argv =>
  y.option('force', { type: 'boolean', default: false, describe: 'proceed even when the memory estimate exceeds the budget' });

export const withJson = (y: Argv): Argv => y.option('json', { type: 'boolean', default: false, describe: 'machine-readable JSON output' });

export const withOutput = (y: Argv, describe = 'output file (- for stdout)'): Argv =>
  y.option('o', { alias: 'output', type: 'string', default: '-', describe });

export const withEngine = (y: Argv): Argv =>
  y
    .option('engine', { type: 'string', default: DEFAULT_ENGINE, describe: engineHelp() })
    .option('engine-opt', { type: 'string', array: true, default: [], describe: engineOptionHelp() })
    .option('engine-seed', { type: 'number', default: 0, describe: 'seed of a randomised engine (0 is a valid seed)' })
    .option('dtype', { type: 'string', choices: ['f64', 'f32'], default: 'f64', describe: 'arithmetic of the engine' });

/** What withEngine's options chose, checked against the registry before anything runs. */
export interface EngineArgs {
  engine: string;
  dtype: DType;
  engineOptions: string[];
  seed: number;
}

/**
 * A count option, parsed here rather than by yargs (whose `type: 'number'` turns `--heads two`
 * into NaN): the error names the option and quotes what was given.
 */
export function countOption(name: string, min: 0 | 1): (v: unknown) => number {
  return (v: unknown): number => {
    const given = Array.isArray(v) ? (v as unknown[])[v.length - 1] : v;
    const n = typeof given === 'number' ? given : typeof given === 'string' && given.trim() !== '' ? Number(given) : NaN;
    if (!Number.isInteger(n) || n < min) {
      throw new UserError(`option --${name}: expected ${min === 1 ? 'a positive' : 'a non-negative'} integer, got ${JSON.stringify(given)}`);
    }
    return n;
  };
}

export const withShape = (y: Argv): Argv =>
  y
    .option('layers', { alias: 'L', type: 'string', coerce: countOption('layers', 1), describe: 'layers L of the transformer (L·H heads carry the vectors of C; default 1 × 4 when neither -L nor -H is given)' })
    .option('heads', { alias: 'H', type: 'string', coerce: countOption('heads', 1), describe: 'heads H per layer (default: 4 with -L absent; else the fewest that hold |C|)' })
    .option('split', { type: 'string', coerce: countOption('split', 0), describe: 'k-SAT splits: |V1| (default balanced)' })
    .option('v3', { type: 'string', coerce: countOption('v3', 0), describe: 'k-SAT → 3-OV: |V3| directly (default ⌊log₂(L·H)⌋)' })
    .option('beta', { type: 'number', describe: 'orthogonality heads: β instead of 2⌈log₂(40nLH)⌉ (below it the answer may be wrong)' })
    .option('balance', { type: 'boolean', describe: 'orthogonality heads: √β in both W_Q and W_K (max entry Θ(√β))' })
    .option('k', { type: 'number', describe: 'k-SAT → k-OV: number of groups k ≥ 2 (default 3)' })
    .option('kv-groups', { type: 'string', coerce: countOption('kv-groups', 1), describe: '3-OV → transformer: declare grouped-query attention with this many K/V groups (1 = multi-query)' });

export function budgetFrom(args: Args): MemoryBudget {
  return defaultBudget(args.force === true);
}

/** The reduction options carried on the command line, passed to every reduction of a chain. */
export function reductionOptionsFrom(args: Args): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // layers and heads count heads (≥ 1); split and v3 count variables (≥ 0).
  const minimum: Record<string, number> = { layers: 1, heads: 1, split: 0, v3: 0, kvGroups: 1 };
  for (const [k, min] of Object.entries(minimum)) {
    const v = args[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new UserError(`option --${k === 'kvGroups' ? 'kv-groups' : k}: expected ${min === 1 ? 'a positive' : 'a non-negative'} integer, got ${describeValue(v)}`);
    }
    out[k] = v;
  }
  if (args.beta !== undefined) {
    if (typeof args.beta !== 'number' || !(args.beta > 0) || !Number.isFinite(args.beta)) throw new UserError(`option --beta: expected a positive number, got ${describeValue(args.beta)}`);
    out.beta = args.beta;
  }
  if (args.balance === true) out.balance = true;
  if (args.k !== undefined) {
    if (typeof args.k !== 'number' || !Number.isInteger(args.k) || args.k < 2) throw new UserError(`option --k: expected an integer k ≥ 2, got ${describeValue(args.k)}`);
    out.k = args.k;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Argument groups shared by commands (fields of a command's declared argument object)
// ---------------------------------------------------------------------------------------------

export const forceArgs = {
  force: cliArg(z.boolean().default(false), 'proceed even when the memory estimate exceeds the budget'),
};

export const jsonArgs = {
  json: cliArg(z.boolean().default(false), 'machine-readable JSON output'),
};

export const engineArgs = {
  engine: cliArg(z.string().default(DEFAULT_ENGINE), engineHelp()),
  'engine-opt': cliArg(z.array(z.string()).default([]), engineOptionHelp()),
  'engine-seed': cliArg(z.number().int().default(0), 'seed of a randomised engine (0 is a valid seed)'),
  dtype: cliArg(z.enum(['f64', 'f32']).default('f64'), 'arithmetic of the engine'),
};

/** The engine a command's arguments name, checked against the registry before anything runs. */
export function engineOf(a: { engine: string; 'engine-opt': string[]; 'engine-seed': number; dtype: DType }): EngineArgs {
  const entry = findEngine(a.engine);
  validateEngineOptions(entry, parseEngineOptions(entry, a['engine-opt']));
  return { engine: a.engine, dtype: a.dtype, engineOptions: a['engine-opt'], seed: a['engine-seed'] };
}

/**
 * A count, read from the raw text (yargs' number type would turn `--heads two` into NaN): the
 * error quotes what was given.
 */
const count = (min: number) =>
  z.union([z.number(), z.string()]).transform((v, ctx): number => {
    const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
    if (!Number.isInteger(n) || n < min) {
      ctx.addIssue({ code: 'custom', message: `expected ${min === 1 ? 'a positive' : 'a non-negative'} integer, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return n;
  });

/** Options every reduction of a chain reads (each takes the ones it declares). */
export const chainArgs = {
  layers: cliArg(count(1).optional(), 'layers L of the transformer (L·H heads carry the vectors of C; default 1 × 4 when neither -L nor -H is given)', { alias: 'L' }),
  heads: cliArg(count(1).optional(), 'heads H per layer (default: 4 with -L absent; else the fewest that hold |C|)', { alias: 'H' }),
  split: cliArg(count(0).optional(), 'k-SAT splits: |V1| (default balanced)'),
  v3: cliArg(count(0).optional(), 'k-SAT → 3-OV: |V3| directly (default ⌊log₂(L·H)⌋)'),
  beta: cliArg(z.number().positive().optional(), 'orthogonality heads: β instead of 2⌈log₂(40nLH)⌉ (below it the answer may be wrong)'),
  balance: cliArg(z.boolean().optional(), 'orthogonality heads: √β in both W_Q and W_K (max entry Θ(√β))'),
  k: cliArg(z.number().int().min(2, 'expected an integer k ≥ 2').optional(), 'k-SAT → k-OV: number of groups k ≥ 2 (default 3)'),
  'kv-groups': cliArg(count(1).optional(), '3-OV → transformer: declare grouped-query attention with this many K/V groups (1 = multi-query)'),
};

type ChainArgs = { [K in keyof typeof chainArgs]?: z.output<(typeof chainArgs)[K]> };

/** The chain options given on the command line, under the names the reductions read. */
export function chainOptionsOf(a: ChainArgs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (a.layers !== undefined) out.layers = a.layers;
  if (a.heads !== undefined) out.heads = a.heads;
  if (a.split !== undefined) out.split = a.split;
  if (a.v3 !== undefined) out.v3 = a.v3;
  if (a.beta !== undefined) out.beta = a.beta;
  if (a.balance === true) out.balance = true;
  if (a.k !== undefined) out.k = a.k;
  if (a['kv-groups'] !== undefined) out.kvGroups = a['kv-groups'];
  return out;
}

export function budgetOf(a: { force: boolean }): MemoryBudget {
  return defaultBudget(a.force);
}
