import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';
import type { TransformerModel } from '../problems/transformer.js';
import type { Engine, EvalResult } from './types.js';

/**
 * `--engine module:./my-engine.mjs`: bring your own attention algorithm as an ES module. The module
 * exports
 *   evaluate(model, context) → { output, cost? } (or a Promise of it)
 * where `model` is the workbench's TransformerModel (row-major Float64Arrays: X, weights[l][h].Q/K/V,
 * mlp[l], tokens, width, layers, heads, scale, residual, causal?, kvGroups?), `context` is
 * { seed }, `output` is X_L (n×m, a Float64Array or an array of numbers) and `cost` the module's own
 * count of its attention arithmetic, { flops, exps }. An optional `name` export names it in reports.
 * The workbench checks the output's length and finiteness; a module that does not honour `causal`
 * should throw for causal models.
 */
export async function createModuleEngine(spec: string, ctx: { seed: number }): Promise<Engine> {
  const url = pathToFileURL(resolve(spec)).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`engine module:${spec}: cannot load it (${(e as Error).message.split('\n')[0]})`);
  }
  const evaluate = mod.evaluate;
  if (!isFunction(evaluate)) throw new UserError(`engine module:${spec}: exports no function "evaluate(model, context)"`);
  const label = typeof mod.name === 'string' ? `module:${mod.name}` : `module:${spec}`;
  return {
    name: label,
    dtype: 'f64',
    async evaluate(model: TransformerModel): Promise<EvalResult> {
      let raw: unknown;
      try {
        raw = await evaluate(model, { seed: ctx.seed });
      } catch (e) {
        throw new UserError(`engine ${label}: evaluate() threw: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
      if (raw === null || typeof raw !== 'object' || !('output' in raw)) throw new UserError(`engine ${label}: evaluate() must return { output, cost? }`);
      const out = raw.output;
      const n = model.tokens * model.width;
      const output = out instanceof Float64Array ? out : Array.isArray(out) || out instanceof Float32Array ? Float64Array.from(out, Number) : null;
      if (!output) throw new UserError(`engine ${label}: output must be a Float64Array, Float32Array or array of numbers`);
      if (output.length !== n) throw new UserError(`engine ${label}: output has ${output.length} entries, expected ${model.tokens}×${model.width} = ${n}`);
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(output[i]!))
          throw new UserError(`engine ${label}: X_L[${Math.floor(i / model.width)}][${i % model.width}] is ${String(output[i])}; every entry must be finite`);
      }
      const result: EvalResult = { output, engine: label, dtype: 'f64' };
      if ('cost' in raw && raw.cost !== undefined) {
        const c = raw.cost;
        if (c === null || typeof c !== 'object' || !('flops' in c) || !('exps' in c) || typeof c.flops !== 'number' || typeof c.exps !== 'number') {
          throw new UserError(`engine ${label}: cost must be { flops: number, exps: number }`);
        }
        result.cost = { flops: c.flops, exps: c.exps };
      }
      return result;
    },
  };
}

/** A user module's export is untrusted: callable with anything, returning anything (checked after). */
function isFunction(v: unknown): v is (...args: unknown[]) => unknown {
  return typeof v === 'function';
}
