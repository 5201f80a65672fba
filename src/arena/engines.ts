import { UserError } from '../errors.js';
import { createEngine, findEngine, parseEngineOptions, validateEngineOptions } from '../engine/registry.js';
import type { Engine } from '../engine/types.js';
import type { MemoryBudget } from '../memory.js';

/**
 * The engines an arena runs, written `name` or `name:key=value,key=value` (e.g.
 * `performer:features=64`), or `exec:COMMAND` / `module:PATH` for bring-your-own engines, all
 * resolved and validated by the engine registry. The spec string is the engine's label in every
 * record and plot.
 */
export interface EngineSpec {
  readonly label: string;
  readonly name: string;
  readonly options: Record<string, unknown>;
}

export function parseEngineSpec(spec: string): EngineSpec {
  if (spec.startsWith('exec:') || spec.startsWith('module:')) return { label: spec, name: spec, options: {} };
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const entry = findEngine(name);
  const pairs = colon < 0 ? [] : spec.slice(colon + 1).split(',');
  return { label: spec, name, options: validateEngineOptions(entry, parseEngineOptions(entry, pairs)) };
}

export async function makeEngine(spec: EngineSpec, ctx: { seed: number; budget: MemoryBudget }): Promise<Engine> {
  const choice = await createEngine(spec.name, 'f64', { options: spec.options, budget: ctx.budget, seed: ctx.seed });
  if (choice.fallbackReason) throw new UserError(`arena: ${choice.fallbackReason.replace(/; using the reference engine$/, '')}`);
  return choice.engine;
}
