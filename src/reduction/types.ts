import type { z } from 'zod';
import type { MemoryBudget } from '../memory.js';
import type { ProblemId } from '../problems/instance.js';
import type { Params } from './formula.js';

// The probe belongs to the engine layer (src/engine/probe.ts); reductions receive one.
import type { HeadProbe } from '../engine/probe.js';
export type { HeadProbe };

/** What solveTarget may allocate against: the run's one memory budget. */
export interface SolveTargetContext {
  budget: MemoryBudget;
}

export interface ReductionContext {
  /** Forward maps refuse (via the framework) work that would not fit. */
  budget: MemoryBudget;
  probe: HeadProbe;
}

/** What backward receives: the whole forward step, and the target's solution. */
export interface BackwardInput<S, T, M, TSol, O> {
  source: S;
  target: T;
  meta: M;
  options: O;
  solution: TSol;
}

/**
 * A reduction, as in Karp and problem-reductions: data plus three functions.
 *   forward   — instance map (deterministic: the same source and options give the same target);
 *   backward  — maps the target's answer and witness back to the source's;
 *   overhead  — declared target sizes as formulas of `params(source, options)`.
 * Registering it in reductions/index.ts makes it available to the CLI, path finding and the
 * generic tests, with no other edit.
 */
export interface Reduction<S, T, SSol, TSol, O, M> {
  readonly id: string;
  readonly source: ProblemId;
  readonly target: ProblemId;
  readonly title: string;
  /** Where the construction comes from. */
  readonly reference: string;
  /**
   * Set on a variant form of another reduction's target (e.g. 'causal'): path finding ranks chains
   * through variants after the plain ones of the same length, so defaults stay the plain chain.
   */
  readonly variant?: string;
  /**
   * Options, parsed from a loose record (CLI flags or chain options); unknown keys are ignored.
   * Each field is declared with `reductionOption` (src/reduction/options.ts), or shared from
   * reductions/gadgets/options.ts: its flag, help, tested values, provenance record and rebuild
   * all come from that declaration.
   */
  readonly optionsSchema: z.ZodType<O> & { readonly shape: Readonly<Record<string, z.ZodType>> };
  /**
   * Named parameters that the overhead formulas use, from the source problem's sizes (as its
   * ProblemSpec.sizes reports them) and the options. Sizes, not the instance: so a whole chain's
   * declared sizes can be computed, and refused if too large, before anything is built.
   */
  params(sourceSizes: Params, options: O): Params;
  /** Target size name → formula over params (measured with the target problem's `sizes`). */
  readonly overhead: Readonly<Record<string, string>>;
  forward(source: S, options: O): { target: T; meta: M };
  /**
   * How to obtain the target solution that `backward` needs, when it is not the target problem's
   * own solver (e.g. the large-embedding reduction needs the gradient, not X_L).
   */
  solveTarget?(target: T, meta: M, options: O, ctx: SolveTargetContext): Promise<TSol>;
  backward(input: BackwardInput<S, T, M, TSol, O>, ctx: ReductionContext): SSol;
  /**
   * For reductions into a computation (transformer, attention): the decisive statistic, read from
   * the target's output alone, its threshold, and the answer it gives. The checker uses it for the
   * margin and for the robustness test (every output entry moved by ±1/(10·tokens)).
   */
  decision?(input: Omit<BackwardInput<S, T, M, TSol, O>, 'solution'>, output: Float64Array): Decision;
  /**
   * One sentence for `seth check --explain`: what this step did, with this run's numbers (its
   * params, declared target sizes and options). Without it the narrative names the reduction and
   * its title.
   */
  explain?(step: StepNumbers<O>): string;
}

/** The numbers of one executed step, as `explain` receives them. */
export interface StepNumbers<O> {
  params: Readonly<Params>;
  declared: Readonly<Params>;
  options: O;
}

export interface Decision {
  statistic: number;
  threshold: number;
  /** true = YES/SAT. */
  positive: boolean;
}

/** A reduction with its types erased, as stored in the registry. */
export type AnyReduction = Reduction<unknown, unknown, unknown, unknown, unknown, unknown>;

export function defineReduction<S, T, SSol, TSol, O, M>(r: Reduction<S, T, SSol, TSol, O, M>): AnyReduction {
  return r;
}
