import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDUCTIONS } from '../reductions/index.js';
import { parseInstance, serializeInstance } from '../src/io/instance-file.js';
import { defaultBudget } from '../src/memory.js';
import { getBit, type BitMatrix } from '../src/problems/bit-matrix.js';
import type { Instance, ProblemId } from '../src/problems/instance.js';
import type { KovInstance } from '../src/problems/kov.js';
import { clauseAt, numClauses, type Cnf } from '../src/problems/ksat.js';
import type { MatmulBatch, MatmulProducts } from '../src/problems/matmul-batch.js';
import type { OvInstance } from '../src/problems/ov.js';
import { PROBLEMS } from '../src/problems/registry.js';
import type { ThreeOvInstance } from '../src/problems/three-ov.js';
import { parseReductionOptions } from '../src/reduction/chain.js';
import { sourceArbitrary } from '../src/testing/arbitraries/index.js';
import { bitRowsArbitrary } from '../src/testing/arbitraries/bit-matrix.js';

/**
 * The problem conformance suite: every registered problem (src/problems/registry.ts), whatever it
 * is, must
 *  - survive its JSON form: toJson → text → jsonSchema → fromJson gives the same instance (same
 *    JSON, same sizes), and so does the file form (serializeInstance → parseInstance);
 *  - for a decision problem: its oracle agrees with brute force over every candidate witness on
 *    small instances, and `verify` accepts exactly the witnesses brute force finds valid, so every
 *    mutated witness (an index moved, a bit flipped, a wrong length, out of range) is refused;
 *  - for a computation with a solver (matmul batches): the solver agrees with direct evaluation
 *    and `verify` refuses a perturbed solution.
 * A problem gets its small instances and its brute force from CASES below; a new problem without an
 * entry fails here with the message saying what to add.
 */

interface DecisionCase {
  kind: 'decision';
  instances: fc.Arbitrary<unknown>;
  /** Every candidate witness of the instance, as the YES solution it would be. */
  candidates(instance: unknown): unknown[];
  /** Whether a candidate is a valid witness, computed directly from the definition (not with verify). */
  valid(instance: unknown, candidate: unknown): boolean;
  /** Witnesses of the wrong shape (wrong length, out of range): never valid. */
  malformed(instance: unknown): unknown[];
}

interface ComputationCase {
  kind: 'computation';
  instances: fc.Arbitrary<unknown>;
  /** The output computed directly from the definition, and the same output perturbed. */
  direct?: (instance: unknown) => { exact: unknown; perturbed: unknown };
}

const rowsOf = (m: BitMatrix): number[][] => Array.from({ length: m.rows }, (_, r) => Array.from({ length: m.dim }, (_, c) => getBit(m, r, c)));
/** No coordinate where all the given rows are 1. */
const orthogonal = (rows: readonly (readonly number[])[], dim: number): boolean => {
  for (let k = 0; k < dim; k++) if (rows.every((r) => r[k] === 1)) return false;
  return true;
};
const tuples = (sizes: readonly number[]): number[][] =>
  sizes.reduce<number[][]>((acc, n) => acc.flatMap((t) => Array.from({ length: n }, (_, i) => [...t, i])), [[]]);

/** Instances of a computation problem: what the first registered reduction into it builds from small sources. */
function builtBy(target: ProblemId): fc.Arbitrary<unknown> {
  const r = REDUCTIONS.find((x) => x.target === target && sourceArbitrary(x.source, 3) !== undefined);
  if (!r) throw new Error(`no registered reduction builds ${target} from a source with random instances`);
  return sourceArbitrary(r.source, 3)!.map((s) => r.forward(s, parseReductionOptions(r, {})).target);
}

const witnessCase = (
  sets: (i: unknown) => BitMatrix[],
  dim: (i: unknown) => number,
  toSolution: (w: number[]) => unknown,
  witnessOf: (s: unknown) => number[],
): Omit<DecisionCase, 'instances'> => ({
  kind: 'decision',
  candidates: (i) => tuples(sets(i).map((m) => m.rows)).map(toSolution),
  valid: (i, s) => {
    const w = witnessOf(s);
    const ms = sets(i);
    return (
      w.length === ms.length &&
      w.every((x, t) => Number.isInteger(x) && x >= 0 && x < ms[t]!.rows) &&
      orthogonal(
        w.map((x, t) => rowsOf(ms[t]!)[x]!),
        dim(i),
      )
    );
  },
  malformed: (i) => {
    const ms = sets(i);
    const zero = ms.map(() => 0);
    return [toSolution(zero.slice(1)), toSolution([...zero, 0]), toSolution(ms.map((m) => m.rows)), toSolution(zero.map((x, t) => (t === 0 ? -1 : x)))];
  },
});

const witness = (s: unknown): number[] => (s as { witness: number[] }).witness;

const CASES: Partial<Record<ProblemId, DecisionCase | ComputationCase>> = {
  ksat: {
    kind: 'decision',
    instances: sourceArbitrary('ksat', 6)!,
    candidates: (i) => {
      const n = (i as Cnf).vars;
      return Array.from({ length: 2 ** n }, (_, bits) => ({ answer: 'SAT', assignment: Uint8Array.from({ length: n }, (_, v) => (bits >> v) & 1) }));
    },
    valid: (i, s) => {
      const cnf = i as Cnf;
      const a = (s as { assignment: Uint8Array }).assignment;
      if (a.length !== cnf.vars || a.some((b) => b > 1)) return false;
      for (let c = 0; c < numClauses(cnf); c++) if (!Array.from(clauseAt(cnf, c)).some((lit) => (a[Math.abs(lit) - 1] === 1) === lit > 0)) return false;
      return true;
    },
    malformed: (i) => {
      const n = (i as Cnf).vars;
      return [{ answer: 'SAT', assignment: new Uint8Array(n + 1) }, ...(n > 0 ? [{ answer: 'SAT', assignment: new Uint8Array(n - 1) }] : [])];
    },
  },
  ov: {
    ...witnessCase(
      (i) => [(i as OvInstance).A, (i as OvInstance).B],
      (i) => (i as OvInstance).dim,
      (w) => ({ answer: 'YES', witness: w }),
      witness,
    ),
    instances: sourceArbitrary('ov', 5)!,
  },
  '3ov': {
    ...witnessCase(
      (i) => [(i as ThreeOvInstance).A, (i as ThreeOvInstance).B, (i as ThreeOvInstance).C],
      (i) => (i as ThreeOvInstance).dim,
      (w) => ({ answer: 'YES', witness: w }),
      witness,
    ),
    instances: sourceArbitrary('3ov', 4)!,
  },
  kov: {
    ...witnessCase(
      (i) => [...(i as KovInstance).sets],
      (i) => (i as KovInstance).dim,
      (w) => ({ answer: 'YES', witness: w }),
      witness,
    ),
    instances: fc
      .record({ dim: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 2, max: 4 }) })
      .chain(({ dim, k }) => fc.array(bitRowsArbitrary({ min: 0, max: 3 }, dim), { minLength: k, maxLength: k }).map((sets): KovInstance => ({ dim, sets }))),
  },
  'matmul-batch': {
    kind: 'computation',
    instances: sourceArbitrary('matmul-batch', 3)!,
    direct: (i) => {
      const b = i as MatmulBatch;
      const products: number[][] = b.pairs.map((p) =>
        Array.from({ length: b.size * b.size }, (_, e) => {
          const [r, c] = [Math.floor(e / b.size), e % b.size];
          let s = 0;
          for (let k = 0; k < b.size; k++) s += p.A[r * b.size + k]! * p.B[k * b.size + c]!;
          return s;
        }),
      );
      const exact: MatmulProducts = { arithmetic: 'float64', products: products.map((p) => Float64Array.from(p)) };
      const bumped = products.map((p, t) => Float64Array.from(p, (v, e) => (t === 0 && e === 0 ? v + 1 + Math.abs(v) : v)));
      return { exact, perturbed: { arithmetic: 'float64', products: bumped } satisfies MatmulProducts };
    },
  },
  transformer: { kind: 'computation', instances: builtBy('transformer') },
  attention: { kind: 'computation', instances: builtBy('attention') },
  'tensor-attention': { kind: 'computation', instances: builtBy('tensor-attention') },
};

describe.each(PROBLEMS.map((p) => [p.id, p] as const))('problem %s (conformance)', (id, spec) => {
  const c = CASES[id];
  it('has a conformance case (small instances and brute force) in test/problems.conformance.test.ts', () => {
    expect(c, `add ${id} to CASES in test/problems.conformance.test.ts`).toBeDefined();
    expect(c!.kind === 'decision', 'decision problems are brute-forced, computations evaluated').toBe(spec.decision);
  });
  if (!c) return;

  it('round-trips through its JSON schema and its file form', () => {
    fc.assert(
      fc.property(c.instances, (inst) => {
        const text = JSON.stringify(spec.toJson(inst));
        const back = spec.fromJson(spec.jsonSchema.parse(JSON.parse(text)));
        expect(JSON.stringify(spec.toJson(back))).toBe(text);
        expect(spec.sizes(back)).toEqual(spec.sizes(inst));
        const file = serializeInstance({ problem: id, data: inst } as Instance);
        const parsed = parseInstance(new TextEncoder().encode(file), `<${id}>`, { budget: defaultBudget() });
        expect(parsed.problem).toBe(id);
        expect(serializeInstance(parsed)).toBe(file);
      }),
      { numRuns: 40, seed: 1 },
    );
  });

  if (c.kind === 'decision') {
    it('its oracle agrees with brute force, and verify accepts exactly the valid witnesses', async () => {
      let yes = 0;
      let no = 0;
      await fc.assert(
        fc.asyncProperty(c.instances, async (inst) => {
          const candidates = c.candidates(inst);
          const valid = candidates.filter((s) => c.valid(inst, s));
          for (const s of candidates) expect(spec.verify(inst, s), JSON.stringify(spec.witnessOf(s))).toBe(c.valid(inst, s));
          for (const s of c.malformed(inst)) expect(spec.verify(inst, s), `malformed ${JSON.stringify(spec.witnessOf(s))}`).toBe(false);
          const sol = await spec.solve!(inst, { budget: defaultBudget() });
          const positive = spec.answer(sol) === 'SAT' || spec.answer(sol) === 'YES';
          expect(positive, `oracle ${spec.oracle}`).toBe(valid.length > 0);
          if (positive) {
            yes++;
            expect(spec.verify(inst, sol)).toBe(true);
            expect(c.valid(inst, sol), 'the oracle’s witness is valid by the definition').toBe(true);
          } else no++;
        }),
        { numRuns: 80, seed: 2 },
      );
      // Not vacuous: both answers occur.
      expect(yes).toBeGreaterThan(0);
      expect(no).toBeGreaterThan(0);
    });
  } else if (c.direct) {
    const direct = c.direct;
    it('its solver agrees with direct evaluation, and verify refuses a perturbed solution', async () => {
      await fc.assert(
        fc.asyncProperty(c.instances, async (inst) => {
          const { exact, perturbed } = direct(inst);
          expect(spec.verify(inst, exact)).toBe(true);
          expect(spec.verify(inst, perturbed)).toBe(false);
          expect(spec.verify(inst, await spec.solve!(inst, { budget: defaultBudget() }))).toBe(true);
        }),
        { numRuns: 30, seed: 3 },
      );
    });
  }
});
