import { UserError } from '../../src/errors.js';
import { emptyBitMatrix, setBit, type BitMatrix } from '../../src/problems/bit-matrix.js';
import { numClauses, type Assignment, type Cnf } from '../../src/problems/ksat.js';

/**
 * Williams' split-and-list (docs/model.md §2), shared by ksat-to-ov and ksat-to-3ov.
 *
 * For a group G of variables and each assignment α of G (row index α, bit b = value of G[b]), the
 * vector v_α ∈ {0,1}^M has v_α[j] = 0 iff α makes some literal of clause C_j true. A clause is then
 * satisfied by the combined assignment iff some group's vector has a 0 at j, so the groups'
 * vectors are (3-)orthogonal iff the combined assignment satisfies every clause. Empty clauses give
 * 1 in every vector (never satisfied); tautologies give 0 in the group holding the variable.
 */

/** Largest group we enumerate (2^26 rows): bigger is refused long before by the memory guard. */
const MAX_GROUP_BITS = 26;

/** Consecutive groups: sizes [s1, s2, …] → variables 1..s1, s1+1..s1+s2, … */
export function splitVariables(sizes: readonly number[]): number[][] {
  const groups: number[][] = [];
  let next = 1;
  for (const s of sizes) {
    groups.push(Array.from({ length: s }, (_, b) => next + b));
    next += s;
  }
  return groups;
}

/** Balanced split of `n` variables into `parts` groups, larger groups first. */
export function balancedSizes(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

export function groupVectors(cnf: Cnf, group: readonly number[]): BitMatrix {
  const g = group.length;
  if (g > MAX_GROUP_BITS) throw new UserError(`a split group of ${g} variables has 2^${g} assignments: too many to list`);
  const M = numClauses(cnf);
  // Per clause, the literals that fall in this group as (positive, negative) bit masks over α.
  const pos = new Uint32Array(M);
  const neg = new Uint32Array(M);
  const bitOf = new Int32Array(cnf.vars + 1).fill(-1);
  group.forEach((v, b) => (bitOf[v] = b));
  for (let j = 0; j < M; j++) {
    for (let p = cnf.offsets[j]!; p < cnf.offsets[j + 1]!; p++) {
      const l = cnf.lits[p]!;
      const b = bitOf[Math.abs(l)]!;
      if (b < 0) continue;
      if (l > 0) pos[j] = (pos[j]! | (1 << b)) >>> 0;
      else neg[j] = (neg[j]! | (1 << b)) >>> 0;
    }
  }
  const rows = 2 ** g;
  const out = emptyBitMatrix(rows, M);
  for (let a = 0; a < rows; a++) {
    const notA = ~a >>> 0;
    for (let j = 0; j < M; j++) {
      if (((a & pos[j]!) | (notA & neg[j]!)) === 0) setBit(out, a, j, 1);
    }
  }
  return out;
}

/** Combine one row index per group into a full assignment. */
export function assignmentFromRows(vars: number, groups: readonly (readonly number[])[], rows: readonly number[]): Assignment {
  const a = new Uint8Array(vars);
  groups.forEach((group, gi) => group.forEach((v, b) => (a[v - 1] = (rows[gi]! >>> b) & 1)));
  return a;
}
