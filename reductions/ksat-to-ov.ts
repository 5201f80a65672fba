/**
 * ksat-to-ov — Williams' split-and-list (Williams 2005; docs/model.md §2).
 *
 * Construction: split the variables into V1 (the first `split`, default ⌈n/2⌉) and V2 (the rest).
 * For each assignment α of V1 let a_α[j] = 0 iff α satisfies some literal of clause C_j; likewise
 * b_β for V2. Then N = 2^{|V1|}, |B| = 2^{|V2|}, d = M (number of clauses).
 * Correctness: ⟨a_α, b_β⟩ = 0 iff every clause has a literal made true by α or by β, i.e. iff
 * (α, β) satisfies φ. So φ is satisfiable iff the OV instance is a YES instance, and an orthogonal
 * pair (i, j) maps back to the assignment (α = i, β = j), which is verified against φ itself.
 */
import { z } from 'zod';
import type { Cnf, SatSolution } from '../src/problems/ksat.js';
import { numClauses } from '../src/problems/ksat.js';
import type { OvInstance, OvSolution } from '../src/problems/ov.js';
import { defineReduction } from '../src/reduction/types.js';
import { splitOption } from './gadgets/options.js';
import { UserError } from '../src/errors.js';
import { assignmentFromRows, balancedSizes, groupVectors, splitVariables } from './gadgets/split-and-list.js';

const Options = z.object({ split: splitOption });
type Options = z.infer<typeof Options>;

interface Meta {
  groups: number[][];
}

function sizes(vars: number, o: Options): [number, number] {
  if (o.split !== undefined && o.split > vars) throw new UserError(`option --split: |V1| = ${o.split} exceeds the ${vars} variables`);
  const v1 = o.split ?? balancedSizes(vars, 2)[0]!;
  return [v1, vars - v1];
}

export const ksatToOv = defineReduction<Cnf, OvInstance, SatSolution, OvSolution, Options, Meta>({
  id: 'ksat-to-ov',
  source: 'ksat',
  target: 'ov',
  title: 'k-SAT → OV (split and list)',
  reference: 'R. Williams, A new algorithm for optimal 2-constraint satisfaction and its implications, TCS 2005',
  optionsSchema: Options,
  params: (s, o) => {
    const [v1, v2] = sizes(s.vars!, o);
    return { vars: s.vars!, clauses: s.clauses!, v1, v2 };
  },
  overhead: { sizeA: '2^v1', sizeB: '2^v2', dim: 'clauses' },
  forward(cnf, o) {
    const groups = splitVariables(sizes(cnf.vars, o));
    const target: OvInstance = { dim: numClauses(cnf), A: groupVectors(cnf, groups[0]!), B: groupVectors(cnf, groups[1]!) };
    return { target, meta: { groups } };
  },
  explain: ({ declared: t }) => `Split and list (Williams): |A| = ${t.sizeA}, |B| = ${t.sizeB}, d = ${t.dim}; satisfiable iff some a ⊥ b.`,
  backward({ source, meta, solution }) {
    if (solution.answer === 'NO' || !solution.witness) return { answer: solution.answer === 'NO' ? 'UNSAT' : 'SAT' };
    const [i, j] = solution.witness;
    return { answer: 'SAT', assignment: assignmentFromRows(source.vars, meta.groups, [i, j]) };
  },
});
