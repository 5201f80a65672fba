/**
 * The two copies of MiniSat (src/oracles/minisat.ts): a process starts with the interpreted one
 * (asm.js validation off while it loads) and moves to the precompiled one for a large formula, after
 * which every formula goes there. Both must give verified answers that agree with the exhaustive
 * solver. This file runs in its own module instance, so it sees the switch from the start.
 */
import { describe, expect, it } from 'vitest';
import { cnfFromClauses, evaluateCnf, type Cnf } from '../src/problems/ksat.js';
import { solveExhaustive } from './helpers/exhaustive-sat.js';
import { minisatBuildFor, solveWithMinisat } from '../src/oracles/minisat.js';
import { makeRng, type Rng } from '../src/rng.js';

/** Random 3-CNF, optionally satisfied by a planted assignment (every clause keeps one of its literals true). */
function random3Cnf(rng: Rng, vars: number, clauses: number, planted?: Uint8Array): Cnf {
  const out: number[][] = [];
  while (out.length < clauses) {
    const c = [0, 1, 2].map(() => (1 + rng.int(vars)) * (rng.bool() ? 1 : -1));
    if (planted && !c.some((l) => l > 0 === (planted[Math.abs(l) - 1] === 1))) continue;
    out.push(c);
  }
  return cnfFromClauses(vars, out);
}

function agreesWithExhaustive(cnf: Cnf): void {
  const a = solveWithMinisat(cnf);
  expect(a.answer).toBe(solveExhaustive(cnf).answer);
  if (a.answer === 'SAT') expect(evaluateCnf(cnf, a.assignment!).satisfied).toBe(true);
}

describe('MiniSat: interpreted copy first, compiled copy for large formulas', () => {
  const rng = makeRng(0);
  const unsat = cnfFromClauses(3, [
    [1, 2, 3],
    [1, 2, -3],
    [1, -2, 3],
    [1, -2, -3],
    [-1, 2, 3],
    [-1, 2, -3],
    [-1, -2, 3],
    [-1, -2, -3],
  ]);

  it('the first small formula goes to the interpreted copy, which answers SAT and UNSAT correctly', () => {
    expect(minisatBuildFor(unsat.lits.length)).toBe('interpreted');
    agreesWithExhaustive(unsat);
    // Which copy the next ones get depends on the time spent so far (a slow machine switches
    // sooner); both must be right.
    for (let i = 0; i < 20; i++) agreesWithExhaustive(random3Cnf(rng, 16, 68));
  });

  it('a large formula loads the compiled copy, and from then on every formula goes there', () => {
    const planted = Uint8Array.from({ length: 3000 }, () => (rng.bool() ? 1 : 0));
    const big = random3Cnf(rng, 3000, 9000, planted);
    expect(big.lits.length).toBeGreaterThan(2600);
    expect(minisatBuildFor(big.lits.length)).toBe('compiled');
    const s = solveWithMinisat(big);
    expect(s.answer).toBe('SAT');
    expect(evaluateCnf(big, s.assignment!).satisfied).toBe(true);
    expect(minisatBuildFor(unsat.lits.length)).toBe('compiled');
    agreesWithExhaustive(unsat);
    for (let i = 0; i < 20; i++) agreesWithExhaustive(random3Cnf(rng, 16, 68));
  });
});
