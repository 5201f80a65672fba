import { z } from 'zod';
import { DEFAULT_ENGINE, engineHelp, engineOptionHelp, findEngine, parseEngineOptions, validateEngineOptions } from '../engine/registry.js';
import type { DType } from '../engine/types.js';
import { defaultBudget, type MemoryBudget } from '../memory.js';
import { PROBLEM_IDS, type ProblemId } from '../problems/instance.js';
import { cliArg, type CliArgMeta } from './command.js';

/** The engine a command's arguments chose (engineArgs), checked against the registry before anything runs. */
export interface EngineArgs {
  engine: string;
  dtype: DType;
  engineOptions: string[];
  seed: number;
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

/** The inputs of a batch command (`<files..>`): files, folders or globs, at least one. */
export function inputsArg(help: string) {
  return cliArg(z.array(z.string()).min(1), help, { positional: true });
}

/** `seth solve` and `seth info` on several inputs: one JSON object per line. */
export const jsonlArgs = {
  jsonl: cliArg(z.boolean().default(false), 'several inputs: one JSON object per input'),
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

export function budgetOf(a: { force: boolean }): MemoryBudget {
  return defaultBudget(a.force);
}

/**
 * A problem id as an argument (`--to`): validated by zod rather than yargs' choices, so the error
 * names the option the project's way: `option --to: unknown problem "nope"; expected one of …`.
 */
export function problemArg(fallback: ProblemId, describe: string, cli: CliArgMeta = {}) {
  const ids = z.enum(PROBLEM_IDS, { error: (iss) => `unknown problem ${JSON.stringify(iss.input)}; expected one of ${PROBLEM_IDS.join(', ')}` });
  return cliArg(z.string().default(fallback).pipe(ids), `${describe}: ${PROBLEM_IDS.join(' | ')}`, cli);
}
