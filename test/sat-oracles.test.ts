import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDimacs } from '../src/formats/dimacs.js';
import { cnfFromClauses, evaluateCnf, type Cnf, type SatSolution } from '../src/problems/ksat.js';
import { countSolutionsExhaustive, solveExhaustive } from './helpers/exhaustive-sat.js';
import { MINISAT_ORACLE, solveWithMinisat } from '../src/oracles/minisat.js';
import { cnfArbitrary } from '../src/testing/arbitraries/cnf.js';

function expectVerified(cnf: Cnf, s: SatSolution): void {
  if (s.answer === 'SAT') {
    expect(s.assignment).toBeInstanceOf(Uint8Array);
    expect(s.assignment!.length).toBe(cnf.vars);
    for (const b of s.assignment!) expect(b === 0 || b === 1).toBe(true);
    expect(evaluateCnf(cnf, s.assignment!).satisfied).toBe(true);
  } else {
    expect(s.assignment).toBeUndefined();
  }
}

function agree(cnf: Cnf): SatSolution {
  const a = solveWithMinisat(cnf);
  const b = solveExhaustive(cnf);
  expect(a.answer).toBe(b.answer);
  expectVerified(cnf, a);
  expectVerified(cnf, b);
  expect(countSolutionsExhaustive(cnf) > 0).toBe(a.answer === 'SAT');
  return a;
}

describe('MiniSat and the exhaustive solver agree', () => {
  it('on random small CNFs without empty clauses (≤ 12 variables, both answers occur)', () => {
    const seen = { SAT: 0, UNSAT: 0 };
    fc.assert(
      fc.property(cnfArbitrary({ maxVars: 12, maxClauses: 60, maxWidth: 3, allowEmptyClauses: false }), (cnf) => {
        seen[agree(cnf).answer]++;
      }),
      { numRuns: 400 },
    );
    // The property must not be vacuous: both answers have to come up.
    expect(seen.SAT).toBeGreaterThan(20);
    expect(seen.UNSAT).toBeGreaterThan(20);
  });

  it('on random small CNFs with empty clauses, duplicates and tautologies', () => {
    fc.assert(
      fc.property(cnfArbitrary({ maxVars: 12, maxClauses: 30, maxWidth: 5, allowEmptyClauses: true }), (cnf) => {
        agree(cnf);
      }),
      { numRuns: 300 },
    );
  });

  it('the exhaustive count matches a direct count over all assignments', () => {
    fc.assert(
      fc.property(cnfArbitrary({ maxVars: 8, maxClauses: 12, maxWidth: 3 }), (cnf) => {
        let direct = 0;
        const a = new Uint8Array(cnf.vars);
        for (let x = 0; x < 2 ** cnf.vars; x++) {
          for (let v = 0; v < cnf.vars; v++) a[v] = (x >> v) & 1;
          if (evaluateCnf(cnf, a).satisfied) direct++;
        }
        expect(countSolutionsExhaustive(cnf)).toBe(direct);
      }),
      { numRuns: 200 },
    );
  });
});

describe('edge cases', () => {
  const cases: [string, Cnf, 'SAT' | 'UNSAT', number][] = [
    ['no clauses', cnfFromClauses(3, []), 'SAT', 8],
    ['0 variables, no clauses', cnfFromClauses(0, []), 'SAT', 1],
    ['0 variables, one empty clause', cnfFromClauses(0, [[]]), 'UNSAT', 0],
    ['one empty clause', cnfFromClauses(2, [[]]), 'UNSAT', 0],
    ['an empty clause among satisfiable ones', cnfFromClauses(2, [[1], [], [2]]), 'UNSAT', 0],
    ['x ∧ ¬x', cnfFromClauses(1, [[1], [-1]]), 'UNSAT', 0],
    [
      'tautologies only',
      cnfFromClauses(3, [
        [1, -1],
        [-2, 3, 2],
        [3, -3, 3],
      ]),
      'SAT',
      8,
    ],
    [
      'duplicate literals',
      cnfFromClauses(2, [
        [1, 1, 1],
        [-2, -2],
      ]),
      'SAT',
      1,
    ],
    ['all 8 sign patterns on 3 variables', cnfFromClauses(3, signPatterns3()), 'UNSAT', 0],
    ['7 of the 8 sign patterns', cnfFromClauses(3, signPatterns3().slice(1)), 'SAT', 1],
    ['unused variables', cnfFromClauses(5, [[2], [-4]]), 'SAT', 8],
  ];
  it.each(cases)('%s', (_name, cnf, answer, count) => {
    expect(agree(cnf).answer).toBe(answer);
    expect(countSolutionsExhaustive(cnf)).toBe(count);
  });

  it('variables in no clause get 0 from MiniSat', () => {
    const s = solveWithMinisat(cnfFromClauses(4, [[2], [-3]]));
    expect(Array.from(s.assignment!)).toEqual([0, 1, 0, 0]);
  });

  it('the exhaustive solver returns the first model in counting order', () => {
    // Models of (x1 ∨ x2) ∧ (¬x1 ∨ x3), bit v-1 = x_v: the smallest is x2 = 1 alone (x = 2).
    const s = solveExhaustive(
      cnfFromClauses(3, [
        [1, 2],
        [-1, 3],
      ]),
    );
    expect(Array.from(s.assignment!)).toEqual([0, 1, 0]);
  });

  it('the exhaustive solver refuses more than 24 variables', () => {
    expect(() => solveExhaustive(cnfFromClauses(25, [[1]]))).toThrow(RangeError);
    expect(() => countSolutionsExhaustive(cnfFromClauses(25, [[1]]))).toThrow(RangeError);
    expect(solveExhaustive(cnfFromClauses(24, [[24], [-1]])).answer).toBe('SAT');
  });

  it('names the MiniSat oracle', () => {
    expect(MINISAT_ORACLE).toBe('minisat (logic-solver)');
  });
});

describe('shipped instances answer what their headers say', () => {
  it.each([
    ['php-3-2.cnf', 'UNSAT', 6, 9],
    ['tiny-unsat.cnf', 'UNSAT', 8, 14],
    ['tiny-sat.cnf', 'SAT', 6, 10],
    ['uf20-like-sat.cnf', 'SAT', 20, 91],
  ] as const)('%s', (name, answer, vars, clauses) => {
    const path = fileURLToPath(new URL(`../instances/${name}`, import.meta.url));
    const cnf = parseDimacs(readFileSync(path, 'utf8'), `instances/${name}`);
    expect(cnf.vars).toBe(vars);
    expect(cnf.offsets.length - 1).toBe(clauses);
    expect(cnf.provenance?.expected?.answer).toBe(answer);
    expect(agree(cnf).answer).toBe(answer);
    if (answer === 'SAT' && name === 'tiny-sat.cnf') {
      // Several witnesses, neither of them constant.
      expect(countSolutionsExhaustive(cnf)).toBeGreaterThan(3);
      expect(evaluateCnf(cnf, new Uint8Array(vars)).satisfied).toBe(false);
      expect(evaluateCnf(cnf, new Uint8Array(vars).fill(1)).satisfied).toBe(false);
    }
  });
});

function signPatterns3(): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < 8; s++) out.push([1, 2, 3].map((v, i) => ((s >> i) & 1 ? -v : v)));
  return out;
}
