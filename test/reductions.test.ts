import { describe, expect, it } from 'vitest';
import { REDUCTIONS } from '../reductions/index.js';
import { closedLoop } from '../src/testing/closed-loop.js';
import { cnfFromClauses, type Cnf } from '../src/problems/ksat.js';
import { bitMatrixFromStrings } from '../src/problems/bit-matrix.js';
import type { OvInstance } from '../src/problems/ov.js';
import type { ThreeOvInstance } from '../src/problems/three-ov.js';
import { evalFormula } from '../src/reduction/formula.js';
import { findPaths, chainName } from '../src/reduction/path.js';
import { assertClosedLoop } from './properties/closed-loop.js';
import { UserError } from '../src/errors.js';
import type { Instance } from '../src/problems/instance.js';

/**
 * Every registered reduction goes through the same closed loop (src/testing/closed-loop.ts):
 * answer preserved, witness mapped back and verified on the source, declared sizes = measured.
 */
describe.each(REDUCTIONS.map((r) => [r.id, r] as const))('reduction %s (generic closed loop)', (_id, r) => {
  it('holds on random sources with shrinking', async () => {
    const checked = await assertClosedLoop(r, 60, 6);
    // Not vacuous: most random cases must actually run the loop (not be refused).
    expect(checked).toBeGreaterThan(20);
  });
  it('declares every size of its target problem, so chains compose from sizes alone', async () => {
    const { problemSpec } = await import('../src/problems/registry.js');
    const arb = (await import('../src/testing/arbitraries/index.js')).sourceArbitrary(r.source, 4)!;
    const fc = (await import('fast-check')).default;
    const [source] = fc.sample(arb, { numRuns: 1, seed: 1 });
    const { target } = r.forward(source, r.optionsSchema.parse({}));
    expect(Object.keys(r.overhead).sort()).toEqual(Object.keys(problemSpec(r.target).sizes(target)).sort());
  });
  it('maps forward deterministically: the same source and options give byte-identical targets', async () => {
    const fc = (await import('fast-check')).default;
    const { serializeInstance } = await import('../src/io/instance-file.js');
    const { optionsArbitrary } = await import('../src/testing/closed-loop.js');
    const arb = (await import('../src/testing/arbitraries/index.js')).sourceArbitrary(r.source, 5)!;
    const bytes = (source: unknown, opts: Record<string, unknown>): string | null => {
      const parsed = r.optionsSchema.safeParse(opts);
      if (!parsed.success) return null;
      try {
        return serializeInstance({ problem: r.target, data: r.forward(source, parsed.data).target } as Instance);
      } catch (e) {
        if (e instanceof UserError) return null; // options this source refuses
        throw e;
      }
    };
    fc.assert(
      fc.property(arb, optionsArbitrary(r), (source, opts) => {
        expect(bytes(source, opts)).toBe(bytes(source, opts));
      }),
      { numRuns: 25 },
    );
  });
  it('declares every option (src/reduction/options.ts), and the random options draw each declared value', async () => {
    const fc = (await import('fast-check')).default;
    const { optionsOf } = await import('../src/reduction/options.js');
    const { optionsArbitrary } = await import('../src/testing/closed-loop.js');
    const declared = optionsOf(r);
    const drawn = fc.sample(optionsArbitrary(r), { numRuns: 300, seed: 2 });
    for (const o of declared) {
      expect(o.help.length, `${o.key}: help`).toBeGreaterThan(0);
      for (const v of o.vary) expect(r.optionsSchema.safeParse({ [o.key]: v }).success, `${o.key} = ${String(v)} validates`).toBe(true);
      expect(new Set(drawn.map((d) => d[o.key])).size, `${o.key} varied`).toBe(o.vary.length + 1);
    }
  });
  it('declares every overhead formula over its own parameters', () => {
    for (const f of Object.values(r.overhead)) expect(() => evalFormula(f, new Proxy({}, { get: () => 3 }))).not.toThrow();
  });
});

const ov = (A: string[], B: string[]): OvInstance => ({
  dim: A[0]!.length,
  A: bitMatrixFromStrings(A, A[0]!.length),
  B: bitMatrixFromStrings(B, A[0]!.length),
});
const tov = (A: string[], B: string[], C: string[]): ThreeOvInstance => {
  const d = A[0]!.length;
  return { dim: d, A: bitMatrixFromStrings(A, d), B: bitMatrixFromStrings(B, d), C: bitMatrixFromStrings(C, d) };
};
const byId = (id: string) => REDUCTIONS.find((r) => r.id === id)!;

/** Hand-made adversarial sources: each must pass the closed loop for every reduction from its problem. */
const ADVERSARIAL: { name: string; problem: string; source: unknown; options?: Record<string, unknown> }[] = [
  {
    name: 'several satisfying assignments, mixed polarities',
    problem: 'ksat',
    source: cnfFromClauses(5, [
      [1, -2],
      [-1, 3],
      [2, -4, 5],
      [-3, 4],
    ]),
  },
  { name: 'unit clauses', problem: 'ksat', source: cnfFromClauses(4, [[1], [-2], [3, 4], [-4]]) },
  { name: 'empty clause (UNSAT)', problem: 'ksat', source: cnfFromClauses(3, [[1, 2], []]) },
  {
    name: 'tautologies and duplicate literals',
    problem: 'ksat',
    source: cnfFromClauses(4, [
      [1, -1],
      [2, 2, -3],
      [-2, 2, 4],
      [3, 3],
    ]),
  },
  { name: 'variables absent from every clause', problem: 'ksat', source: cnfFromClauses(7, [[2, -5], [-2]]) },
  { name: 'x ∧ ¬x (UNSAT)', problem: 'ksat', source: cnfFromClauses(3, [[2], [-2]]) },
  { name: 'no clauses', problem: 'ksat', source: cnfFromClauses(3, []) },
  {
    name: 'n not divisible by the split (7 vars, 3 heads)',
    problem: 'ksat',
    source: cnfFromClauses(7, [
      [1, 2, 3],
      [-4, 5],
      [6, -7],
      [-1, 7],
    ]),
    options: { layers: 1, heads: 3 },
  },
  {
    name: 'explicit unbalanced split',
    problem: 'ksat',
    source: cnfFromClauses(6, [
      [1, -6],
      [2, 3],
      [-4, -5],
    ]),
    options: { split: 1 },
  },
  { name: 'd = 1, YES', problem: 'ov', source: ov(['1', '0'], ['1']) },
  { name: 'd = 1, NO', problem: 'ov', source: ov(['1'], ['1', '1']) },
  { name: 'all-zero vectors (every pair orthogonal)', problem: 'ov', source: ov(['000', '000'], ['000', '000', '000']) },
  { name: 'all-one vectors (no pair orthogonal)', problem: 'ov', source: ov(['111', '111'], ['111']) },
  { name: 'several witnesses, |A| ≠ |B|', problem: 'ov', source: ov(['1100', '0011', '1010'], ['0011', '1100', '0101', '1111']) },
  { name: '3-OV several witnesses', problem: '3ov', source: tov(['110', '011'], ['101', '111'], ['010', '001', '100']), options: { layers: 2, heads: 2 } },
  { name: '3-OV all-one C (NO)', problem: '3ov', source: tov(['11', '11'], ['11'], ['11']) },
  { name: '3-OV d = 1', problem: '3ov', source: tov(['1', '0'], ['1'], ['1']) },
];

describe('adversarial sources through every applicable reduction', () => {
  for (const c of ADVERSARIAL) {
    for (const r of REDUCTIONS.filter((x) => x.source === c.problem)) {
      it(`${r.id}: ${c.name}`, async () => {
        const out = await closedLoop(r, c.source, c.options ?? {});
        expect(out).toEqual({ status: 'ok' });
      });
    }
  }
});

describe('witness maps are not constant', () => {
  // A constant witness map would pass a formula with one obvious witness (problem-reductions #1057).
  it('ksat-to-ov maps different orthogonal pairs to different assignments', () => {
    const cnf: Cnf = cnfFromClauses(2, [
      [1, 2],
      [-1, -2],
    ]); // exactly x1 ≠ x2
    const r = byId('ksat-to-ov');
    const { target, meta } = r.forward(cnf, {}) as { target: OvInstance; meta: unknown };
    const seen = new Set<string>();
    for (const w of [
      [0, 1],
      [1, 0],
    ] as [number, number][]) {
      const sol = r.backward({ source: cnf, target, meta, options: {}, solution: { answer: 'YES', witness: w } }, undefined as never) as {
        assignment: Uint8Array;
      };
      seen.add(Array.from(sol.assignment).join(''));
    }
    expect([...seen].sort()).toEqual(['01', '10']);
  });
});

describe('path finding', () => {
  it('finds both chains from k-SAT to the transformer, shortest first', () => {
    const names = findPaths(REDUCTIONS, 'ksat', 'transformer').map(chainName);
    expect(names[0]).toBe('ksat-to-3ov → 3ov-to-transformer');
    expect(names).toContain('ksat-to-ov → ov-to-3ov → 3ov-to-transformer');
  });
  it('finds OV → attention', () => {
    expect(findPaths(REDUCTIONS, 'ov', 'attention').map(chainName)).toEqual(['ov-to-attention']);
  });
  it('has no path into k-SAT', () => {
    expect(findPaths(REDUCTIONS, 'transformer', 'ksat')).toEqual([]);
  });
});
