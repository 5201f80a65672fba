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

/** What `decision` receives: the whole forward step. */
export interface StepInput<S, T, M, O> {
  source: S;
  target: T;
  meta: M;
  options: O;
}

/**
 * What backward receives: the whole forward step, the target's solution and, for a reduction that
 * declares `decision`, that decision of the target's output, computed once by the framework
 * (runBackward, the closed loop). Such a reduction reads its answer from it (`decisionOf`) and
 * does not decode the output again.
 */
export interface BackwardInput<S, T, M, TSol, O, E = never> extends StepInput<S, T, M, O> {
  solution: TSol;
  decision?: Decision<E> | undefined;
}

/**
 * A reduction, as in Karp and problem-reductions: data plus three functions.
 *   forward   — instance map (deterministic: the same source and options give the same target);
 *   backward  — maps the target's answer and witness back to the source's;
 *   overhead  — declared target sizes as formulas of `params(source, options)`.
 * Registering it in reductions/index.ts makes it available to the CLI, path finding and the
 * generic tests, with no other edit.
 */
export interface Reduction<S, T, SSol, TSol, O, M, E = never> {
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
  backward(input: BackwardInput<S, T, M, TSol, O, E>, ctx: ReductionContext): SSol;
  /**
   * For reductions into a computation (transformer, attention): the one decode of the target's
   * output (see `Decision` for the contract). The checker calls it once per check and hands the
   * result to `backward`, to the margin and to the robustness verdict.
   */
  decision?(input: StepInput<S, T, M, O>, output: Float64Array): Decision<E>;
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

/**
 * A decision read from a computation's output: its one decode per check. The contract, held over
 * every registered reduction with a decision by test/reductions.test.ts:
 *  - `positive` ⇔ `statistic > threshold`.
 *  - `sensitivity` L bounds how far the statistic can move with the output, in the max-norm: for
 *    outputs x, y with max_i |y_i − x_i| ≤ ε, |statistic(y) − statistic(x)| ≤ L·ε. It is 1 for a
 *    threshold on a maximum or minimum of entries, ‖w‖₁ for a weighted sum Σ w_i·x_i. Hence the
 *    answer survives every output error of at most ε when the margin exceeds L·ε (`robustTo`),
 *    with no shifted copy of the output decoded.
 *  - `evidence` is what `backward` needs from the decode (e.g. the row that attains a maximum).
 *    The framework passes this very decision to the step's `backward` (BackwardInput.decision),
 *    which takes its answer from here and does not read the output again for it.
 */
export interface Decision<E = unknown> {
  statistic: number;
  threshold: number;
  /** true = YES/SAT. */
  positive: boolean;
  sensitivity: number;
  evidence: E;
}

/**
 * Whether the decision holds for every output within ε of the decoded one in every entry (the
 * paper's tolerance is ε = 1/(10n)): the statistic then stays within sensitivity·ε of its value,
 * so on the same side of the threshold (strictly above for YES, at or below for NO).
 */
export function robustTo(d: Decision, eps: number): boolean {
  const slack = d.sensitivity * eps;
  return d.positive ? d.statistic - slack > d.threshold : d.statistic + slack <= d.threshold;
}

/** The decision backward was handed; a reduction with `decision` is never run backward without it. */
export function decisionOf<E>(input: { decision?: Decision<E> | undefined }, reduction: string): Decision<E> {
  if (input.decision === undefined) throw new Error(`internal: ${reduction}: backward needs the decision of the target's output (runBackward passes it)`);
  return input.decision;
}

/** A reduction with its types erased, as stored in the registry. */
export type AnyReduction = Reduction<unknown, unknown, unknown, unknown, unknown, unknown, unknown>;

export function defineReduction<S, T, SSol, TSol, O, M, E = never>(r: Reduction<S, T, SSol, TSol, O, M, E>): AnyReduction {
  return r;
}
