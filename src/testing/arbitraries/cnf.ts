import fc from 'fast-check';
import { cnfFromClauses, type Cnf } from '../../problems/ksat.js';

export interface CnfConstraints {
  /** Largest number of variables (default 10). */
  maxVars?: number;
  /** Largest number of clauses (default 20). */
  maxClauses?: number;
  /** Largest clause width (default 5). */
  maxWidth?: number;
  /** Whether empty clauses may occur (default true). */
  allowEmptyClauses?: boolean;
}

/**
 * Random CNF formulas with the shapes that break readers, writers and solvers: mixed polarities,
 * unit clauses, empty clauses (when allowed), duplicate literals, tautologies (x ∨ ¬x), and
 * variables that occur in no clause (literals are drawn from 1..span with span ≤ vars, and
 * variables inside the span may be missed too). Shrinks towards fewer variables and clauses.
 */
export function cnfArbitrary(c: CnfConstraints = {}): fc.Arbitrary<Cnf> {
  const maxVars = c.maxVars ?? 10;
  const maxClauses = c.maxClauses ?? 20;
  const maxWidth = Math.max(1, c.maxWidth ?? 5);
  const allowEmpty = c.allowEmptyClauses ?? true;

  return fc.integer({ min: 0, max: maxVars }).chain((vars) => {
    if (vars === 0) {
      // With no variables, the only clauses there are are empty ones.
      return fc.array(fc.constant<number[]>([]), { maxLength: allowEmpty ? Math.min(2, maxClauses) : 0 }).map((cs) => cnfFromClauses(0, cs));
    }
    return fc.integer({ min: 1, max: vars }).chain((span) => {
      const variable = fc.integer({ min: 1, max: span });
      const literal = fc.tuple(variable, fc.boolean()).map(([v, positive]) => (positive ? v : -v));
      const plain = fc.array(literal, { minLength: 1, maxLength: maxWidth });
      const unit = literal.map((l) => [l]);
      const withDuplicate = fc
        .tuple(literal, fc.array(literal, { maxLength: Math.max(0, maxWidth - 2) }), fc.nat())
        .map(([l, rest, at]) => insertAt(insertAt(rest, at, l), at + 1, l));
      const tautology = fc
        .tuple(variable, fc.array(literal, { maxLength: Math.max(0, maxWidth - 2) }), fc.nat(), fc.nat())
        .map(([v, rest, a, b]) => insertAt(insertAt(rest, a, v), b, -v));
      const kinds: fc.Arbitrary<number[]>[] = [plain, plain, plain, unit];
      // Duplicates and tautologies need two places.
      if (maxWidth >= 2) kinds.push(withDuplicate, tautology);
      if (allowEmpty) kinds.push(fc.constant<number[]>([]));
      const clause = fc.oneof(...kinds);
      return fc.array(clause, { maxLength: maxClauses }).map((cs) => cnfFromClauses(vars, cs));
    });
  });
}

function insertAt(xs: readonly number[], at: number, x: number): number[] {
  const k = at % (xs.length + 1);
  return [...xs.slice(0, k), x, ...xs.slice(k)];
}
