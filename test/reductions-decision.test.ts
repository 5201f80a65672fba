import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDUCTIONS } from '../reductions/index.js';
import { referenceOutput } from '../src/check/reference-output.js';
import { makeHeadProbe } from '../src/engine/probe.js';
import { UserError } from '../src/errors.js';
import { defaultBudget } from '../src/memory.js';
import { isPositive } from '../src/problems/answer.js';
import { problemSpec } from '../src/problems/registry.js';
import { decideStep, forwardStep, runBackward, type ChainStep } from '../src/reduction/chain.js';
import { robustTo, type AnyReduction, type Decision } from '../src/reduction/types.js';
import { makeRng } from '../src/rng.js';
import { sourceArbitrary } from '../src/testing/arbitraries/index.js';
import { closedLoop, optionsArbitrary } from '../src/testing/closed-loop.js';

/**
 * The contract of `Decision` (src/reduction/types.ts), held over every registered reduction that
 * declares one: positive ⇔ statistic > threshold; the declared sensitivity bounds how far the
 * statistic moves when every output entry moves by at most ε (checked by actually moving them);
 * robustTo never contradicts re-deciding on shifted copies (the checker's former computation, kept
 * here as the independent check); and backward takes its answer from the one decision it is given.
 */
const DECIDING = REDUCTIONS.filter((r) => r.decision !== undefined);

it('some registered reductions declare a decision (the tests below are not vacuous)', () => {
  expect(DECIDING.map((r) => r.id).sort()).toEqual(['3ov-to-causal-transformer', '3ov-to-tensor-attention', '3ov-to-transformer', 'ov-to-attention']);
});

/** The former robustTo: re-decide on the whole output moved by −ε and by +ε. */
function shiftedCopiesAgree(step: ChainStep, output: Float64Array, eps: number, positive: boolean): boolean {
  const shifted = (delta: number): Float64Array => output.map((v) => v + delta);
  return decideStep(step, shifted(-eps)).positive === positive && decideStep(step, shifted(eps)).positive === positive;
}

/** Forward with the drawn options, or the defaults where the source refuses them; null if it refuses both. */
function stepOf(r: AnyReduction, source: unknown, opts: Record<string, unknown>): ChainStep | null {
  for (const o of [opts, {}]) {
    try {
      return forwardStep(r, source, o, defaultBudget());
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
    }
  }
  return null;
}

/** Outputs within ε of x in every entry: both uniform shifts, random signs, and random moves inside the box. */
function movedWithin(x: Float64Array, eps: number, seed: number): Float64Array[] {
  const rng = makeRng(seed);
  return [x.map((v) => v - eps), x.map((v) => v + eps), x.map((v) => v + (rng.next() < 0.5 ? -eps : eps)), x.map((v) => v + (2 * rng.next() - 1) * eps)];
}

describe.each(DECIDING.map((r) => [r.id, r] as const))('decision of %s (the contract of Decision)', (_id, r) => {
  const arb = sourceArbitrary(r.source, 5)!;
  const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
  // Up to 1: past the gadgets' margin (≥ ½ − 1/40), so non-robust verdicts are drawn too.
  const epsilon = fc.double({ min: 1e-6, max: 1, noNaN: true });

  it('answers positive iff statistic > threshold, and its sensitivity bounds the statistic under every move of at most ε', () => {
    let robust = 0;
    let fragile = 0;
    fc.assert(
      fc.property(arb, optionsArbitrary(r), epsilon, seed, (source, opts, eps, s) => {
        const step = stepOf(r, source, opts);
        if (!step) return;
        const output = referenceOutput(r.target, step.target, defaultBudget()).output;
        const d = decideStep(step, output);
        expect(d.positive).toBe(d.statistic > d.threshold);
        expect(d.sensitivity).toBeGreaterThanOrEqual(0);
        for (const y of movedWithin(output, eps, s)) {
          const moved = decideStep(step, y).statistic;
          // A last-bit allowance for the rounding of v ± ε itself.
          expect(Math.abs(moved - d.statistic)).toBeLessThanOrEqual(d.sensitivity * eps * (1 + 1e-12) + 4 * Number.EPSILON * Math.abs(d.statistic));
        }
        const verdict = robustTo(d, eps);
        const old = shiftedCopiesAgree(step, output, eps, d.positive);
        // Sound: a robust verdict is never contradicted by re-deciding on shifted copies.
        if (verdict) expect(old).toBe(true);
        // Where the uniform shifts move the statistic by exactly sensitivity·ε (a maximum of entries),
        // they are the worst case and the two verdicts coincide: reports are as before.
        const [down, up] = [
          decideStep(
            step,
            output.map((v) => v - eps),
          ),
          decideStep(
            step,
            output.map((v) => v + eps),
          ),
        ];
        if (down.statistic === d.statistic - d.sensitivity * eps && up.statistic === d.statistic + d.sensitivity * eps) expect(verdict).toBe(old);
        if (verdict) robust++;
        else fragile++;
      }),
      { numRuns: 40, seed: 11 },
    );
    expect(robust, 'robust verdicts drawn').toBeGreaterThan(0);
    expect(fragile, 'non-robust verdicts drawn').toBeGreaterThan(0);
  });

  it('backward takes its answer from the one decision it is handed, not from the output', () => {
    const spec = problemSpec(r.source);
    let positives = 0;
    fc.assert(
      fc.property(arb, optionsArbitrary(r), (source, opts) => {
        const step = stepOf(r, source, opts);
        if (!step) return;
        const solution = referenceOutput(r.target, step.target, defaultBudget());
        const back = (decision: Decision | undefined): unknown =>
          runBackward([step], solution, { budget: defaultBudget(), probe: makeHeadProbe() }, decision)[0];
        const d = decideStep(step, solution.output);
        const answer = spec.answer(back(d));
        expect(answer !== undefined && isPositive(answer)).toBe(d.positive);
        if (d.positive) positives++;
        // The same output with the decision turned negative: backward answers negative, so it did not decode X_L again.
        const flipped = spec.answer(back({ ...d, positive: false }));
        expect(flipped !== undefined && isPositive(flipped)).toBe(false);
        expect(() => back(undefined)).toThrow(/backward needs the decision/);
      }),
      { numRuns: 30, seed: 12 },
    );
    expect(positives, 'positive decisions drawn').toBeGreaterThan(0);
  });

  it('is decoded once per closed loop', async () => {
    let calls = 0;
    const decision = r.decision!.bind(r);
    const counting: AnyReduction = {
      ...r,
      decision: (input, output) => {
        calls++;
        return decision(input, output);
      },
    };
    const [source] = fc.sample(arb, { numRuns: 1, seed: 3 });
    const out = await closedLoop(counting, source, {});
    expect(out.status).not.toBe('fail');
    expect(calls).toBe(out.status === 'ok' ? 1 : 0);
  });
});
