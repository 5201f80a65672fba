import fc from 'fast-check';
import { UserError } from '../errors.js';
import { makeHeadProbe } from '../engine/probe.js';
import { referenceOutput } from '../check/reference-output.js';
import { serializeInstance } from '../io/instance-file.js';
import { defaultBudget } from '../memory.js';
import type { Instance } from '../problems/instance.js';
import { problemSpec } from '../problems/registry.js';
import { decideStep, forwardStep } from '../reduction/chain.js';
import { optionsOf } from '../reduction/options.js';
import type { AnyReduction, Decision } from '../reduction/types.js';
import { sourceArbitrary } from './arbitraries/index.js';

/**
 * The closed loop, written once and applied to every registered reduction (Karp's check-reduction,
 * problem-reductions' closed-loop tests):
 *   forward → declared sizes = measured sizes → solve the target independently (a computation:
 *   evaluate it and decode its output once, `decision`, whose answer must agree with its statistic)
 *   → backward → the answer equals the source oracle's → a positive answer comes with a witness
 *   that verifies against the source instance itself.
 */
export type LoopOutcome = { status: 'ok' } | { status: 'skip'; reason: string } | { status: 'fail'; reason: string };

export async function closedLoop(r: AnyReduction, source: unknown, rawOptions: Record<string, unknown>): Promise<LoopOutcome> {
  let step;
  try {
    step = forwardStep(r, source, rawOptions, defaultBudget());
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    // Option combinations the reduction refuses (e.g. |C| > L·H) are not counterexamples:
    // fall back to the reduction's defaults, and skip only if it refuses those too.
    try {
      step = forwardStep(r, source, {}, defaultBudget());
    } catch (e2) {
      if (e2 instanceof UserError) return { status: 'skip', reason: e2.message };
      throw e2;
    }
  }
  for (const [k, v] of Object.entries(step.declared)) {
    if (step.measured[k] !== v) return { status: 'fail', reason: `declared ${k} = ${v} (${r.overhead[k]}) but measured ${step.measured[k]}` };
  }
  const sourceSpec = problemSpec(r.source);
  const targetSpec = problemSpec(r.target);
  let targetSolution: unknown;
  let decision: Decision | undefined;
  if (r.solveTarget) targetSolution = await r.solveTarget(step.target, step.meta, step.options, { budget: defaultBudget() });
  else if (targetSpec.solve) targetSolution = await targetSpec.solve(step.target, { budget: defaultBudget() });
  else {
    // A computation: its reference output, decoded once, as the checker does.
    const evaluated = referenceOutput(r.target, step.target, defaultBudget());
    targetSolution = evaluated;
    decision = decideStep(step, evaluated.output);
    if (decision.positive !== decision.statistic > decision.threshold) {
      return {
        status: 'fail',
        reason: `decision says ${decision.positive ? 'YES' : 'NO'} but statistic ${decision.statistic} vs threshold ${decision.threshold}`,
      };
    }
    if (!(decision.sensitivity >= 0)) return { status: 'fail', reason: `decision declares sensitivity ${decision.sensitivity}` };
  }
  const decoded = r.backward(
    { source, target: step.target, meta: step.meta, options: step.options, solution: targetSolution, decision },
    { budget: defaultBudget(), probe: makeHeadProbe() },
  );
  if (!sourceSpec.solve) throw new Error(`internal: ${r.source} has no oracle`);
  const truth = await sourceSpec.solve(source, { budget: defaultBudget() });
  if (sourceSpec.decision) {
    const want = sourceSpec.answer(truth);
    const got = sourceSpec.answer(decoded);
    if (targetSpec.decision) {
      const tAns = targetSpec.answer(targetSolution);
      const tWant = want === 'SAT' ? 'YES' : want === 'UNSAT' ? 'NO' : want;
      if (tAns !== tWant) return { status: 'fail', reason: `answer not preserved: source ${want}, target ${tAns}` };
    }
    if (got !== want) return { status: 'fail', reason: `decoded ${got}, oracle says ${want}` };
  }
  if (!sourceSpec.verify(source, decoded)) {
    return { status: 'fail', reason: `mapped-back solution does not verify against the source: ${JSON.stringify(sourceSpec.witnessOf(decoded))}` };
  }
  return { status: 'ok' };
}

/**
 * The options random testing draws for a reduction: every option it declares, each left out or
 * set to one of the values its declaration names (`vary`, src/reduction/options.ts). A new option
 * is varied as soon as it is declared.
 */
export function optionsArbitrary(r: AnyReduction): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const o of optionsOf(r)) fields[o.key] = fc.constantFrom(...o.vary);
  return fc.record(fields, { requiredKeys: [] });
}

export interface ReductionTestOptions {
  runs: number;
  seed: number;
  maxSize: number;
}

export interface ReductionTestReport {
  reduction: string;
  runs: number;
  seed: number;
  skipped: number;
  passed: boolean;
  counterexample?: { source: string; options: Record<string, unknown>; reason: string; shrinks: number; path: string } | undefined;
}

/** Random testing of one reduction with shrinking (fast-check). */
export async function testReduction(r: AnyReduction, o: ReductionTestOptions): Promise<ReductionTestReport> {
  const arb = sourceArbitrary(r.source, o.maxSize);
  if (!arb) throw new UserError(`no random source instances for problem ${r.source}; add one to src/testing/arbitraries/index.ts`);
  let skipped = 0;
  let lastFailure = '';
  const details = await fc.check(
    fc.asyncProperty(arb, optionsArbitrary(r), async (source, opts) => {
      const out = await closedLoop(r, source, opts);
      if (out.status === 'skip') {
        skipped++;
        return true;
      }
      if (out.status === 'fail') lastFailure = out.reason;
      return out.status === 'ok';
    }),
    { numRuns: o.runs, seed: o.seed },
  );
  const report: ReductionTestReport = { reduction: r.id, runs: details.numRuns, seed: o.seed, skipped, passed: !details.failed };
  if (details.failed && details.counterexample) {
    const [source, options] = details.counterexample;
    // Re-run the shrunk case so the reason matches the counterexample shown.
    const again = await closedLoop(r, source, options);
    report.counterexample = {
      source: serializeInstance({ problem: r.source, data: source } as Instance),
      options,
      reason: again.status === 'fail' ? again.reason : lastFailure || (details.errorInstance instanceof Error ? details.errorInstance.message : 'failed'),
      shrinks: details.numShrinks,
      path: details.counterexamplePath ?? '',
    };
  }
  return report;
}
