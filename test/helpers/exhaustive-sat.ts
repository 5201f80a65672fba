import { numClauses, type Cnf, type SatSolution } from '../../src/problems/ksat.js';

/**
 * Exhaustive SAT, written independently of MiniSat: each clause becomes a pair of 32-bit masks
 * over the variables (bit v-1 of `pos` = v occurs positively, of `neg` = v occurs negatively),
 * and every assignment x ∈ [0, 2^n) (bit v-1 = value of variable v) is tested with
 * `((x & pos) | (~x & neg)) !== 0` for every clause. Only for n ≤ 24 variables.
 *
 * The tests' second opinion on MiniSat (the product's k-SAT oracle) and on the generators' planted
 * answers; the product itself never calls it, so it lives under test/.
 */
export const EXHAUSTIVE_MAX_VARS = 24;

interface MaskedCnf {
  n: number;
  /** Clauses that can fail (tautologies dropped), as masks. */
  pos: Int32Array;
  neg: Int32Array;
  /** True when some clause is empty: no assignment satisfies the formula. */
  hasEmptyClause: boolean;
}

function toMasks(cnf: Cnf): MaskedCnf {
  const n = cnf.vars;
  if (!Number.isInteger(n) || n < 0 || n > EXHAUSTIVE_MAX_VARS) {
    throw new RangeError(`exhaustive SAT handles at most ${EXHAUSTIVE_MAX_VARS} variables, got ${n}`);
  }
  const m = numClauses(cnf);
  const pos: number[] = [];
  const neg: number[] = [];
  let hasEmptyClause = false;
  for (let i = 0; i < m; i++) {
    let p = 0;
    let q = 0;
    for (let k = cnf.offsets[i]!; k < cnf.offsets[i + 1]!; k++) {
      const l = cnf.lits[k]!;
      if (l > 0) p |= 1 << (l - 1);
      else q |= 1 << (-l - 1);
    }
    if (p === 0 && q === 0) {
      hasEmptyClause = true;
    } else if ((p & q) === 0) {
      // (p & q) ≠ 0 means the clause holds x ∨ ¬x: always satisfied, never tested.
      pos.push(p);
      neg.push(q);
    }
  }
  return { n, pos: Int32Array.from(pos), neg: Int32Array.from(neg), hasEmptyClause };
}

/**
 * The first satisfying assignment x ≥ start, or -1. The clause that failed most recently is moved
 * to the front (the mask arrays are permuted in place), so most assignments fail the first test.
 */
function nextModel(f: MaskedCnf, start: number): number {
  const { pos, neg } = f;
  const m = pos.length;
  const end = 2 ** f.n;
  for (let x = start; x < end; x++) {
    const nx = ~x;
    let failed = -1;
    for (let j = 0; j < m; j++) {
      if (((x & pos[j]!) | (nx & neg[j]!)) === 0) {
        failed = j;
        break;
      }
    }
    if (failed === -1) return x;
    if (failed > 0) {
      const p = pos[failed]!;
      const q = neg[failed]!;
      pos.copyWithin(1, 0, failed);
      neg.copyWithin(1, 0, failed);
      pos[0] = p;
      neg[0] = q;
    }
  }
  return -1;
}

function toAssignment(n: number, x: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let v = 0; v < n; v++) a[v] = (x >>> v) & 1;
  return a;
}

/** Decide a CNF with at most 24 variables by trying every assignment; SAT comes with the first model found. */
export function solveExhaustive(cnf: Cnf): SatSolution {
  const f = toMasks(cnf);
  if (f.hasEmptyClause) return { answer: 'UNSAT' };
  const x = nextModel(f, 0);
  if (x === -1) return { answer: 'UNSAT' };
  return { answer: 'SAT', assignment: toAssignment(f.n, x) };
}

/** Number of satisfying assignments over all `cnf.vars` variables (variables in no clause count both ways). */
export function countSolutionsExhaustive(cnf: Cnf): number {
  const f = toMasks(cnf);
  if (f.hasEmptyClause) return 0;
  let count = 0;
  for (let x = nextModel(f, 0); x !== -1; x = nextModel(f, x + 1)) count++;
  return count;
}
