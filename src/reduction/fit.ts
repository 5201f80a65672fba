import { z } from 'zod';
import { formatBytes } from '../errors.js';
import type { MemoryBudget } from '../memory.js';
import type { AnyReduction } from './types.js';

/** planChain (src/reduction/chain.ts, which calls this module: passed in rather than imported). */
export type Planner = (chain: readonly AnyReduction[], sizes: Record<string, number>, options: Record<string, unknown>) => readonly Planned[];
interface Planned {
  estimateBytes: number;
  declared: Record<string, number>;
}

/** L·H up to 2^30: beyond it the weights alone exceed any machine's memory. */
const MAX_LOG_HEADS = 30;

function takesHeads(r: AnyReduction): boolean {
  return r.optionsSchema instanceof z.ZodObject && 'heads' in r.optionsSchema.shape;
}

/** The plan's largest step estimate, or undefined when the options do not make a valid plan. */
function peak(planChain: Planner, chain: readonly AnyReduction[], sizes: Record<string, number>, options: Record<string, unknown>): number | undefined {
  let plan: readonly Planned[];
  try {
    plan = planChain(chain, sizes, options);
  } catch {
    return undefined;
  }
  return Math.max(...plan.map((p) => p.estimateBytes));
}

/** ` at L × H = 1 × 4`: the shape the chain builds with these options (empty when it builds none). */
function shapeOf(planChain: Planner, chain: readonly AnyReduction[], sizes: Record<string, number>, options: Record<string, unknown>): string {
  try {
    const last = planChain(chain, sizes, options).at(-1)?.declared;
    return last?.layers !== undefined && last.heads !== undefined ? ` at L × H = ${last.layers} × ${last.heads}` : '';
  } catch {
    return '';
  }
}

/**
 * What would fit the budget when a chain does not, as one phrase for the refusal: a larger L·H (more
 * heads take more variables into C, so the token count halves every two doublings; chains whose
 * steps take `heads`), and, for a k-SAT source, the most variables that fit at the asked shape.
 * Found with the same declared sizes and estimates the guard uses, so every suggestion passes it.
 */
export function whatWouldFit(
  planChain: Planner,
  chain: readonly AnyReduction[],
  sizes: Record<string, number>,
  options: Record<string, unknown>,
  budget: MemoryBudget,
): string | undefined {
  const fits = (bytes: number | undefined): bytes is number => bytes !== undefined && bytes <= budget.limitBytes;
  const out: string[] = [];
  let note = '';
  if (chain.some(takesHeads)) {
    // Powers of two only: |C| = 2^⌊log₂(L·H)⌋, so heads beyond a power of two repeat vectors of C
    // and only add weights.
    const layers = typeof options.layers === 'number' ? options.layers : 1;
    let least: { heads: number; bytes: number } | undefined;
    for (let k = 0; k <= MAX_LOG_HEADS; k++) {
      const heads = 2 ** k;
      if (typeof options.heads === 'number' && heads <= options.heads) continue;
      const bytes = peak(planChain, chain, sizes, { ...options, layers, heads });
      if (bytes === undefined) continue;
      if (least === undefined || bytes < least.bytes) least = { heads, bytes };
      if (fits(bytes)) break;
    }
    if (least !== undefined && fits(least.bytes)) out.push(`-L ${layers} -H ${least.heads} (about ${formatBytes(least.bytes)})`);
    else if (least !== undefined) note = `no L·H fits the chain (the least is about ${formatBytes(least.bytes)}, at -L ${layers} -H ${least.heads})`;
  }
  const vars = sizes.vars;
  if (vars !== undefined && vars > 1) {
    let lo = 0;
    let hi = vars - 1;
    // The estimate grows with the variable count: the largest count that fits, by halving.
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(peak(planChain, chain, { ...sizes, vars: mid }, options))) lo = mid;
      else hi = mid - 1;
    }
    if (lo > 0 && fits(peak(planChain, chain, { ...sizes, vars: lo }, options)))
      out.push(`a formula of at most ${lo} variables${shapeOf(planChain, chain, sizes, options)}`);
  }
  // The engine that evaluates the model guards its own working memory after the chain is built.
  const fit = out.length > 0 ? `the chain would fit with ${out.join(', or with ')} (an engine then checks its own working memory)` : '';
  const phrase = [fit, note].filter((p) => p !== '').join('; ');
  return phrase === '' ? undefined : phrase;
}
