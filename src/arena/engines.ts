import { UserError } from '../errors.js';
import { createExecEngine } from '../engine/exec.js';
import { createLinformerEngine, LinformerOptions } from '../engine/linformer.js';
import { createLowprecEngine, LowprecOptions } from '../engine/lowprec.js';
import { createLshEngine, LshOptions } from '../engine/lsh.js';
import { createModuleEngine } from '../engine/module.js';
import { createNystromEngine, NystromOptions } from '../engine/nystrom.js';
import { createPerformerEngine, PerformerOptions } from '../engine/performer.js';
import { createPolyEngine, PolyOptions } from '../engine/poly.js';
import { referenceEngine } from '../engine/reference.js';
import { createTopkEngine, TopkOptions } from '../engine/topk.js';
import type { Engine } from '../engine/types.js';
import { createWindowEngine, WindowOptions } from '../engine/window.js';
import type { MemoryBudget } from '../memory.js';
import { z } from 'zod';

/**
 * The engines an arena runs, written `name` or `name:key=value,key=value` (e.g.
 * `performer:features=64`), or `exec:COMMAND` / `module:PATH` for bring-your-own engines. The
 * spec string is the engine's label in every record and plot.
 */
export interface EngineSpec {
  readonly label: string;
  readonly name: string;
  readonly options: Record<string, unknown>;
}

interface Maker {
  readonly schema: z.ZodType;
  make(options: Record<string, unknown>, ctx: { seed: number; budget: MemoryBudget }): Engine | Promise<Engine>;
}

const MAKERS: Record<string, Maker> = {
  reference: { schema: z.strictObject({}), make: () => referenceEngine },
  poly: { schema: PolyOptions, make: (o, ctx) => createPolyEngine(o, ctx) },
  performer: { schema: PerformerOptions, make: (o, ctx) => createPerformerEngine(o, ctx) },
  nystrom: { schema: NystromOptions, make: (o, ctx) => createNystromEngine(o, ctx) },
  linformer: { schema: LinformerOptions, make: (o, ctx) => createLinformerEngine(o, ctx) },
  lsh: { schema: LshOptions, make: (o, ctx) => createLshEngine(o, ctx) },
  topk: { schema: TopkOptions, make: (o, ctx) => createTopkEngine(o, ctx) },
  window: { schema: WindowOptions, make: (o, ctx) => createWindowEngine(o, ctx) },
  lowprec: { schema: LowprecOptions, make: (o) => createLowprecEngine(o) },
};

function parseValue(v: string): unknown {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return v;
}

export function parseEngineSpec(spec: string): EngineSpec {
  for (const prefix of ['exec:', 'module:']) {
    if (spec.startsWith(prefix)) return { label: spec, name: prefix.slice(0, -1), options: { target: spec.slice(prefix.length) } };
  }
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const maker = MAKERS[name];
  if (!maker) throw new UserError(`arena: unknown engine "${name}" in "${spec}"; expected one of: ${Object.keys(MAKERS).join(', ')}, exec:COMMAND, module:PATH`);
  const options: Record<string, unknown> = {};
  if (colon >= 0) {
    for (const pair of spec.slice(colon + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UserError(`arena: engine "${spec}": expected key=value, got "${pair}"`);
      options[pair.slice(0, eq)] = parseValue(pair.slice(eq + 1));
    }
  }
  const parsed = maker.schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`arena: engine "${spec}": option ${issue?.path.join('.') || '(unknown key)'}: ${issue?.message ?? 'invalid'}`);
  }
  return { label: spec, name, options };
}

export async function makeEngine(spec: EngineSpec, ctx: { seed: number; budget: MemoryBudget }): Promise<Engine> {
  if (spec.name === 'exec') return createExecEngine(String(spec.options.target), ctx);
  if (spec.name === 'module') return createModuleEngine(String(spec.options.target), ctx);
  return MAKERS[spec.name]!.make(spec.options, ctx);
}
