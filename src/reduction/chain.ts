import { UserError } from '../errors.js';
import { asOption, describeZodError } from '../zod-error.js';
import { guardMemory, type MemoryBudget } from '../memory.js';
import { problemSpec } from '../problems/registry.js';
import { makeProvenance, type Provenance } from '../provenance.js';
import { whatWouldFit } from './fit.js';
import { evalOverhead } from './formula.js';
import { flagOf, optionsOf } from './options.js';
import type { AnyReduction, Decision, ReductionContext } from './types.js';

/** One executed forward step: everything backward needs, plus declared and measured sizes. */
export interface ChainStep {
  reduction: AnyReduction;
  source: unknown;
  target: unknown;
  meta: unknown;
  options: unknown;
  declared: Record<string, number>;
  measured: Record<string, number>;
  params: Record<string, number>;
}

export function parseReductionOptions(r: AnyReduction, raw: Record<string, unknown>): unknown {
  const parsed = r.optionsSchema.safeParse(raw);
  if (!parsed.success) {
    // Named by its flag (`option --kv-groups`), as the user typed it.
    const declared = optionsOf(r);
    throw new UserError(`${r.id}: ${describeZodError(parsed.error, (path) => asOption(flagOf(declared, path)))}`);
  }
  return parsed.data;
}

/** Declared sizes of one step, computed from sizes alone (nothing is built). */
export interface PlannedStep {
  reduction: AnyReduction;
  options: unknown;
  params: Record<string, number>;
  declared: Record<string, number>;
  estimateBytes: number;
}

/**
 * Compose the declared overheads along a chain from the source's sizes: each step's declared
 * target sizes are the next step's source sizes (the generic tests prove declared = measured).
 */
export function planChain(chain: readonly AnyReduction[], sourceSizes: Record<string, number>, rawOptions: Record<string, unknown>): PlannedStep[] {
  const plan: PlannedStep[] = [];
  let sizes = sourceSizes;
  for (const r of chain) {
    const options = parseReductionOptions(r, rawOptions);
    const params = r.params(sizes, options);
    const declared = evalOverhead(r.overhead, params);
    plan.push({ reduction: r, options, params, declared, estimateBytes: problemSpec(r.target).estimateBytes(declared) });
    sizes = declared;
  }
  return plan;
}

/** Refuse, before anything is allocated, a chain any of whose targets would not fit the budget. */
function guardChain(plan: readonly PlannedStep[], budget: MemoryBudget, wouldFit?: () => string | undefined): void {
  for (const p of plan) guardMemory(`${p.reduction.id} (its target would have ${describeSizes(p.declared)})`, p.estimateBytes, budget, wouldFit);
}

/**
 * Run one reduction forward: plan it, refuse it if the target would not fit, build the target and
 * stamp it with provenance that points back to the source.
 */
export function forwardStep(r: AnyReduction, source: unknown, rawOptions: Record<string, unknown>, budget: MemoryBudget, command?: string): ChainStep {
  const [planned] = planChain([r], problemSpec(r.source).sizes(source), rawOptions);
  guardChain([planned!], budget);
  return executeStep(planned!, source, command);
}

/** Build one planned (and already guarded) step. */
function executeStep(planned: PlannedStep, source: unknown, command?: string): ChainStep {
  const { reduction: r, options, params, declared } = planned;
  const targetSpec = problemSpec(r.target);
  const { target, meta } = r.forward(source, options);
  const sourceProv = (source as { provenance?: Provenance }).provenance;
  // Record the declared sizes with their formulas, so `seth info` can set them beside the measured ones.
  const prov = makeProvenance(
    r.id,
    sourceProv?.seed ?? null,
    { ...(options as Record<string, unknown>), sourceParams: params, declaredSizes: declared, sizeFormulas: { ...r.overhead } },
    undefined,
    command,
  );
  const expected = sourceProv?.expected;
  // Decision targets inherit the source's known answer (SAT ↔ YES); computations have none.
  if (expected && targetSpec.decision) {
    prov.expected = { ...expected, answer: expected.answer === 'SAT' ? 'YES' : expected.answer === 'UNSAT' ? 'NO' : expected.answer };
  }
  if (sourceProv) prov.from = sourceProv;
  (target as { provenance?: Provenance }).provenance = prov;
  return { reduction: r, source, target, meta, options, declared, measured: targetSpec.sizes(target), params };
}

/**
 * Run a chain forward. The whole chain is planned from the source's sizes and refused before
 * anything is built if any target would not fit; each step then builds from that plan.
 */
export function runForward(
  chain: readonly AnyReduction[],
  source: unknown,
  rawOptions: Record<string, unknown>,
  budget: MemoryBudget,
  command?: string,
): ChainStep[] {
  if (chain.length === 0) return [];
  const sizes = problemSpec(chain[0]!.source).sizes(source);
  const plan = planChain(chain, sizes, rawOptions);
  guardChain(plan, budget, () => whatWouldFit(planChain, chain, sizes, rawOptions, budget));
  const steps: ChainStep[] = [];
  let current = source;
  for (const planned of plan) {
    const step = executeStep(planned, current, command);
    steps.push(step);
    current = step.target;
  }
  return steps;
}

/**
 * The decision of a step whose reduction declares one, from its target's output: the one decode
 * of that output per check (see `Decision`).
 */
export function decideStep(step: ChainStep, output: Float64Array): Decision {
  const r = step.reduction;
  if (!r.decision) throw new Error(`${r.id} targets a model but declares no decision statistic`);
  return r.decision({ source: step.source, target: step.target, meta: step.meta, options: step.options }, output);
}

/**
 * Map the last target's solution back through every step; returns the solution at each level
 * (source first). `decision` (decideStep of the last step) goes to the last step's backward.
 */
export function runBackward(steps: readonly ChainStep[], targetSolution: unknown, ctx: ReductionContext, decision?: Decision): unknown[] {
  const sols: unknown[] = [targetSolution];
  let sol = targetSolution;
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    const input = { source: s.source, target: s.target, meta: s.meta, options: s.options, solution: sol };
    sol = s.reduction.backward(i === steps.length - 1 ? { ...input, decision } : input, ctx);
    sols.unshift(sol);
  }
  return sols;
}

function describeSizes(sizes: Readonly<Record<string, number>>): string {
  return Object.entries(sizes)
    .map(([k, v]) => `${k} = ${Number.isFinite(v) && Math.abs(v) < 1e15 ? v : v.toExponential(2)}`)
    .join(', ');
}
