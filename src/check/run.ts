import { UserError } from '../errors.js';
import { makeHeadProbe } from '../engine/probe.js';
import { createEngine } from '../engine/registry.js';
import type { DType, Engine } from '../engine/types.js';
import { defaultBudget, type MemoryBudget } from '../memory.js';
import { isPositive, type Answer } from '../problems/answer.js';
import type { Instance, ProblemId } from '../problems/instance.js';
import { problemSpec, type ModelOutput } from '../problems/registry.js';
import { maxAbsEntry, type TransformerModel } from '../problems/transformer.js';
import type { TensorAttentionInstance } from '../problems/tensor-attention.js';
import { referenceOutput } from './reference-output.js';
import { modelFingerprint } from '../problems/fingerprint.js';
import { decideStep, runBackward, runForward, type ChainStep } from '../reduction/chain.js';
import type { Provenance } from '../provenance.js';
import { productsReport, type ProductsReport } from './matmul.js';
import { stepReport, type StepReport } from './steps.js';
import { chainName, resolveChain } from '../reduction/path.js';
import { robustTo, type AnyReduction } from '../reduction/types.js';

/**
 * The checker: source instance → chain of reductions → transformer → engine → decode from X_L
 * alone (+ O(log) single-row head evaluations for the witness) → compare with an independent oracle.
 */
export interface CheckOptions {
  /** The registered reductions, composed at the root (the CLI's entry, a test) and passed in. */
  reductions: readonly AnyReduction[];
  layers?: number | undefined;
  heads?: number | undefined;
  /** Final problem of the chain (default: transformer). */
  to?: ProblemId | undefined;
  /** Explicit chain: reduction ids in order. */
  via?: readonly string[] | undefined;
  /** Extra reduction options (split, v3, …). */
  reductionOptions?: Record<string, unknown> | undefined;
  engine?: string | undefined;
  /** The engine's options (`--engine-opt` pairs or an object), validated against its schema. */
  engineOptions?: readonly string[] | Record<string, unknown> | undefined;
  /** Seed of a randomised engine (default 0). */
  engineSeed?: number | undefined;
  dtype?: DType | undefined;
  budget?: MemoryBudget | undefined;
  /**
   * X_L computed elsewhere (seth check --output): given the model the chain built, return its
   * output (validated against that model: shape, finiteness, provenance) instead of evaluating.
   */
  externalOutput?: ((model: TransformerModel) => { data: Float64Array; origin: string; dtype: DType }) | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
  /**
   * The model the chain must rebuild, exactly (sha256 fingerprint): set when checking a model file
   * through its regenerated source. A mismatch is refused before anything is decoded.
   */
  expectModel?: { fingerprint?: string; file: string; differs?: (model: TransformerModel) => string | undefined } | undefined;
  /** An engine already made (a batch's pool): used as is and not closed. */
  engineInstance?: { engine: Engine; fallbackReason?: string | undefined } | undefined;
  /** Handed the model and X_L behind the decision (for reports, which draw from them). */
  keep?: ((a: { model: TransformerModel; output: Float64Array }) => void) | undefined;
  /** Skip the oracle (for benchmarks of huge instances); agree is then null. */
  skipOracle?: boolean | undefined;
  /** Products chains in float64: |recovered − direct| ≤ rtol·max(1, N·max|A|·max|B|) (default 1e-8). */
  rtol?: number | undefined;
}

/**
 * What `seth check` reports, for every chain: a decision (SAT/UNSAT, YES/NO decoded from X_L and
 * compared with the oracle) or products (a chain whose last reduction solves its own target, e.g.
 * matrix products from the transformer's gradient). Both carry the chain, each step's declared
 * and measured sizes, and the source's provenance.
 */
export type CheckReport = DecisionReport | ProductsReport;

/** Where the source instance came from (its provenance, when it has one). */
export interface SourceOrigin {
  provenance: Provenance | null;
}

export interface DecisionReport {
  kind: 'decision';
  problem: ProblemId;
  source: SourceOrigin;
  sourceSizes: Record<string, number>;
  chain: string[];
  answer: Answer;
  oracle: Answer | null;
  oracleName: string;
  agree: boolean | null;
  witness: unknown;
  witnessVerified: boolean | null;
  params: {
    tokens: number;
    width: number;
    layers: number;
    heads: number;
    maxAbsEntry: number;
    beta: number | null;
    causal: boolean;
    kvGroups: number | null;
    betaBelowBound?: string | undefined;
  };
  steps: StepReport[];
  regime: { widthOverLog2Tokens: number; maxEntryOverLog2Tokens: number; note: string; maxEntryOverCbrtLog2Tokens?: number | undefined };
  statistic: number;
  threshold: number;
  margin: number;
  tolerance: number;
  robustToOutputError: boolean;
  engine: string;
  dtype: DType;
  outputOrigin: string;
  engineFallback?: string | undefined;
  recovery: { rounds: number; headEvaluations: number; scoredPairs: number; fractionOfForwardPairs: number };
  timingsMs: { forward: number; evaluate: number; decode: number; oracle: number; total: number };
}

export function chooseChain(from: ProblemId, options: Pick<CheckOptions, 'to' | 'via' | 'reductions'>): AnyReduction[] {
  const to = options.to ?? 'transformer';
  if (problemSpec(to).decision) {
    throw new UserError(`the checker needs a chain ending in a model to evaluate (transformer, attention or tensor-attention), not ${to}`);
  }
  return resolveChain(options.reductions, from, to, options.via ?? []);
}

const now = (): number => performance.now();

function chainSolvingItself(from: ProblemId, options: Pick<CheckOptions, 'to' | 'via' | 'reductions'>): AnyReduction[] {
  try {
    return chooseChain(from, options);
  } catch (e) {
    if (e instanceof UserError) return [];
    throw e;
  }
}

export async function checkInstance(instance: Instance, options: CheckOptions): Promise<CheckReport> {
  const t0 = now();
  const spec = problemSpec(instance.problem);
  const budget = options.budget ?? defaultBudget();
  // A problem without an answer of its own (a model) is checked only through a chain whose last
  // reduction solves its target itself (the products of a matmul batch).
  const chain = spec.decision ? chooseChain(instance.problem, options) : chainSolvingItself(instance.problem, options);
  const solvesItself = chain.length > 0 && chain[chain.length - 1]!.solveTarget !== undefined;
  if (!spec.decision && !solvesItself) {
    throw new UserError(
      `a ${instance.problem} instance has no answer of its own to check: check the instance it was made from (see its provenance, seth info), or evaluate it with seth eval`,
    );
  }
  const raw: Record<string, unknown> = { ...(options.reductionOptions ?? {}) };
  if (options.layers !== undefined) raw.layers = options.layers;
  if (options.heads !== undefined) raw.heads = options.heads;

  const steps = runForward(chain, instance.data, raw, budget);
  const last = steps[steps.length - 1]!;
  const source: SourceOrigin = { provenance: instance.data.provenance ?? null };
  if (solvesItself) return checkSolvedTarget(instance, steps, source, budget, options, t0);
  const target = last.reduction.target === 'tensor-attention' ? tensorTarget(last, options, budget) : modelTarget(last, options, budget);
  return decideChain(instance, steps, source, budget, options, t0, target);
}

/** X_L, and the report's account of where it came from. */
interface Evaluation {
  output: Float64Array;
  origin: Pick<DecisionReport, 'engine' | 'dtype' | 'outputOrigin' | 'engineFallback'>;
}

/**
 * What the last target of a decision chain contributes to the one decision pipeline: its report
 * fields (sizes, regime), the n of the tolerance 1/(10n), the pairs a full forward pass scores,
 * and how its output is obtained (an engine, an external file, the tensor reference) — the only
 * part that differs between targets.
 */
interface DecisionTarget {
  tokens: number;
  forwardPairs: number;
  params: DecisionReport['params'];
  regime: DecisionReport['regime'];
  evaluate(): Promise<Evaluation>;
}

/**
 * The decision pipeline, the same for every target: obtain the output, decode the answer and map
 * it back through the chain, judge its robustness, and compare with the source's oracle.
 */
async function decideChain(
  instance: Instance,
  steps: readonly ChainStep[],
  source: SourceOrigin,
  budget: MemoryBudget,
  options: CheckOptions,
  t0: number,
  target: DecisionTarget,
): Promise<DecisionReport> {
  const spec = problemSpec(instance.problem);
  const last = steps[steps.length - 1]!;
  const t1 = now();
  const { output, origin } = await target.evaluate();
  const t2 = now();

  // X_L is decoded once; backward, the margin and the robustness verdict all read this decision.
  const decision = decideStep(last, output);
  const probe = makeHeadProbe();
  const sols = runBackward(steps, { output, engine: origin.engine, dtype: origin.dtype } satisfies ModelOutput, { budget, probe }, decision);
  const decoded = sols[0]!;
  const answer = spec.answer(decoded)!;
  const tolerance = 1 / (10 * target.tokens);
  const robust = robustTo(decision, tolerance);
  const t3 = now();

  let oracle: Answer | null = null;
  if (!options.skipOracle) oracle = spec.answer(await solveWithOracle(instance, budget))!;
  const t4 = now();

  const positive = isPositive(answer);
  return {
    kind: 'decision',
    problem: instance.problem,
    source,
    sourceSizes: spec.sizes(instance.data),
    chain: steps.map((s) => s.reduction.id),
    answer,
    oracle,
    oracleName: spec.oracle,
    agree: oracle === null ? null : oracle === answer,
    witness: spec.witnessOf(decoded),
    witnessVerified: positive ? spec.verify(instance.data, decoded) : null,
    params: target.params,
    steps: steps.map(stepReport),
    regime: target.regime,
    statistic: decision.statistic,
    threshold: decision.threshold,
    margin: Math.abs(decision.statistic - decision.threshold),
    tolerance,
    robustToOutputError: robust,
    ...origin,
    recovery: {
      rounds: probe.stats.rounds,
      headEvaluations: probe.stats.calls,
      scoredPairs: probe.stats.scoredPairs,
      fractionOfForwardPairs: probe.stats.scoredPairs / target.forwardPairs,
    },
    timingsMs: { forward: t1 - t0, evaluate: t2 - t1, decode: t3 - t2, oracle: t4 - t3, total: t4 - t0 },
  };
}

/**
 * A chain ending in a model (transformer, attention): X_L from an engine, or from a file
 * (--output). A model file checked through its rebuilt source must be rebuilt exactly.
 */
function modelTarget(last: ChainStep, options: CheckOptions, budget: MemoryBudget): DecisionTarget {
  const model = last.target as TransformerModel;
  if (options.expectModel) {
    const e = options.expectModel;
    const why = e.fingerprint !== undefined && modelFingerprint(model) !== e.fingerprint ? 'fingerprint mismatch' : e.differs?.(model);
    if (why !== undefined) {
      throw new UserError(
        `${e.file}: rebuilding it from its recorded source and chain gives a different model (${why}): ` +
          'the file was edited, or made by another version; check the source instance instead',
      );
    }
  }
  // Measured once, when the step was run (ProblemSpec.sizes).
  const maxEntry = last.measured.maxAbsEntry ?? maxAbsEntry(model);
  const log2n = Math.log2(Math.max(2, model.tokens));
  return {
    tokens: model.tokens,
    forwardPairs: model.layers * model.heads * model.tokens * model.tokens,
    params: {
      tokens: model.tokens,
      width: model.width,
      layers: model.layers,
      heads: model.heads,
      maxAbsEntry: maxEntry,
      beta: typeof model.annotations.beta === 'number' ? model.annotations.beta : null,
      causal: model.causal === true,
      kvGroups: model.kvGroups ?? null,
      ...(typeof model.annotations.betaBelowBound === 'string' ? { betaBelowBound: model.annotations.betaBelowBound } : {}),
    },
    regime: {
      widthOverLog2Tokens: model.width / log2n,
      maxEntryOverLog2Tokens: maxEntry / log2n,
      note: 'Theorem 3.1 regime: width m = d + 4 = Θ(log N) for sparsified formulas (d = O(n)); entries O(log n)',
    },
    evaluate: async () => {
      const ev = options.externalOutput ? externalEvaluation(model, options.externalOutput) : await engineEvaluation(model, options, budget);
      options.keep?.({ model, output: ev.output });
      return ev;
    },
  };
}

/** X_L computed elsewhere (seth check --output), refused unless it has the model's shape. */
function externalEvaluation(model: TransformerModel, external: NonNullable<CheckOptions['externalOutput']>): Evaluation {
  const ext = external(model);
  if (ext.data.length !== model.tokens * model.width) {
    throw new UserError(
      `${ext.origin}: output has ${ext.data.length} entries, the instance's X_L has ${model.tokens}×${model.width} = ${model.tokens * model.width}`,
    );
  }
  return {
    output: ext.data,
    origin: { engine: 'external', dtype: ext.dtype, outputOrigin: ext.origin || `computed by engine external (${ext.dtype})`, engineFallback: undefined },
  };
}

/** X_L from an engine: a batch lends its pooled engine (kept open across inputs); otherwise one is made and closed here. */
async function engineEvaluation(model: TransformerModel, options: CheckOptions, budget: MemoryBudget): Promise<Evaluation> {
  const choice =
    options.engineInstance ??
    (await createEngine(options.engine ?? 'reference', options.dtype ?? 'f64', {
      budget,
      seed: options.engineSeed ?? 0,
      ...(options.engineOptions ? { options: options.engineOptions } : {}),
    }));
  const engine: Engine = choice.engine;
  try {
    const r = await engine.evaluate(model, options.onProgress ? { onProgress: options.onProgress } : {});
    return {
      output: r.output,
      origin: { engine: r.engine, dtype: r.dtype, outputOrigin: `computed by engine ${r.engine} (${r.dtype})`, engineFallback: choice.fallbackReason },
    };
  } finally {
    if (!options.engineInstance) await engine.close?.();
  }
}

/**
 * A chain ending in third-order attention: the output comes from the tensor-attention reference
 * evaluation (n³ work, refused past its limit unless --force), decoded and judged as for a model.
 */
function tensorTarget(last: ChainStep, options: CheckOptions, budget: MemoryBudget): DecisionTarget {
  const target = last.target as TensorAttentionInstance;
  if (options.externalOutput || options.expectModel)
    throw new UserError('a tensor-attention output is computed by its own reference evaluation; --output and model files do not apply');
  const n = target.queries + target.keys1 + target.keys2;
  const maxEntry = last.measured.maxAbsEntry ?? 0;
  const log2n = Math.log2(Math.max(2, n));
  const beta = typeof target.annotations.beta === 'number' ? target.annotations.beta : null;
  return {
    tokens: n,
    forwardPairs: target.queries * target.keys1 * target.keys2,
    params: { tokens: n, width: target.width, layers: 1, heads: 1, maxAbsEntry: maxEntry, beta, causal: false, kvGroups: null },
    regime: {
      widthOverLog2Tokens: target.width / log2n,
      maxEntryOverLog2Tokens: maxEntry / log2n,
      maxEntryOverCbrtLog2Tokens: maxEntry / Math.cbrt(log2n),
      note: 'Alman–Song regime: width O(log n), entries Θ(∛log n) (below o(∛log n) fast approximations exist)',
    },
    // Tensor attention has one evaluation, its float64 reference (--engine selects transformer engines).
    evaluate: () =>
      Promise.resolve({
        output: referenceOutput(last.reduction.target, target, budget).output,
        origin: { engine: 'tensor-reference', dtype: 'f64', outputOrigin: 'computed by the tensor-attention reference evaluation (f64)' },
      }),
  };
}

/** checkInstance for a source whose chain ends in a decision (k-SAT, OV, 3-OV …), from code. */
export async function checkDecision(instance: Instance, options: CheckOptions): Promise<DecisionReport> {
  const r = await checkInstance(instance, options);
  if (r.kind !== 'decision') throw new UserError(`a ${instance.problem} instance is checked by its products, not by a decision`);
  return r;
}

/**
 * A chain whose last reduction solves its own target (solveTarget: e.g. the transformer's
 * gradient) instead of an engine evaluating it: solve, map back through every step, compare with
 * the source problem's own solver.
 */
async function checkSolvedTarget(
  instance: Instance,
  steps: ChainStep[],
  source: SourceOrigin,
  budget: MemoryBudget,
  options: CheckOptions,
  t0: number,
): Promise<ProductsReport> {
  if (instance.problem !== 'matmul-batch') throw new Error(`internal: no products report for ${instance.problem}`);
  const last = steps[steps.length - 1]!;
  const solution = await last.reduction.solveTarget!(last.target, last.meta, last.options, { budget });
  const t1 = now();
  const recovered = runBackward(steps, solution, { budget, probe: makeHeadProbe() })[0];
  const t2 = now();
  return productsReport({
    batch: instance.data,
    steps: steps.map(stepReport),
    chain: steps.map((s) => s.reduction.id),
    source,
    solution,
    recovered,
    target: last.target,
    rtol: options.rtol,
    t0,
    t1,
    t2,
  });
}

/** The source problem's independent oracle (every decision problem has one). */
function solveWithOracle(instance: Instance, budget: MemoryBudget): Promise<unknown> {
  const spec = problemSpec(instance.problem);
  if (!spec.solve) throw new Error(`internal: ${instance.problem} has no oracle`);
  return spec.solve(instance.data, { budget });
}

export { chainName };
