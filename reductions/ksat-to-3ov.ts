/**
 * ksat-to-3ov — split-and-list into three groups (docs/model.md §2; the direct-sum step of
 * arXiv 2603.11332, Theorem 3.1).
 *
 * Construction: V3 = the last |V3| variables with |V3| = ⌊log₂(layers·heads)⌋ by default (so that
 * |C| = 2^{|V3|} ≤ L·H: one vector of C per head), or `v3` given directly; the remaining variables
 * are split in balance into V1 and V2 (or `split` = |V1|). Vectors a_α, b_β, c_γ ∈ {0,1}^M with a 0
 * at clause j iff the partial assignment satisfies a literal of C_j.
 * Correctness: Σ_j a[j]b[j]c[j] = 0 iff every clause is satisfied by one of α, β, γ, iff (α, β, γ)
 * satisfies φ. A zero triple (i, j, k) maps back to that assignment, verified against φ itself.
 */
import { z } from 'zod';
import type { Cnf, SatSolution } from '../src/problems/ksat.js';
import { numClauses } from '../src/problems/ksat.js';
import type { ThreeOvInstance, ThreeOvSolution } from '../src/problems/three-ov.js';
import { defineReduction } from '../src/reduction/types.js';
import { countSchema, reductionOption } from '../src/reduction/options.js';
import { headsOption, layersOption, splitOption } from './gadgets/options.js';
import { UserError } from '../src/errors.js';
import { assignmentFromRows, balancedSizes, groupVectors, splitVariables } from './gadgets/split-and-list.js';

const Options = z.object({
  layers: layersOption,
  heads: headsOption,
  v3: reductionOption(countSchema(0), { help: 'k-SAT → 3-OV: |V3| directly (default ⌊log₂(L·H)⌋)' }),
  split: splitOption,
});
type Options = z.infer<typeof Options>;

interface Meta {
  groups: number[][];
}

/** Default L·H when neither is given: 4 heads, so |V3| = 2; 3ov-to-transformer lays |C| = 4 out as 1 layer × 4 heads. */
const DEFAULT_TOTAL_HEADS = 4;

function groupSizes(vars: number, o: Options): [number, number, number] {
  const totalHeads = (o.layers ?? 1) * (o.heads ?? 1);
  const wanted = o.v3 ?? Math.floor(Math.log2(o.layers || o.heads ? totalHeads : DEFAULT_TOTAL_HEADS));
  const v3 = Math.min(wanted, vars);
  const rest = vars - v3;
  if (o.split !== undefined && o.split > rest) {
    throw new UserError(`option --split: |V1| = ${o.split} exceeds the ${rest} variables left beside |V3| = ${v3}`);
  }
  const v1 = o.split ?? balancedSizes(rest, 2)[0]!;
  return [v1, rest - v1, v3];
}

export const ksatTo3ov = defineReduction<Cnf, ThreeOvInstance, SatSolution, ThreeOvSolution, Options, Meta>({
  id: 'ksat-to-3ov',
  source: 'ksat',
  target: '3ov',
  title: 'k-SAT → 3-OV (split and list, |C| = 2^|V3| ≤ L·H)',
  reference: 'Williams 2005; Saha, Xu, Ye, Yu, On the Computational Hardness of Transformers, arXiv 2603.11332, Thm 3.1',
  optionsSchema: Options,
  params: (s, o) => {
    const [v1, v2, v3] = groupSizes(s.vars!, o);
    return { vars: s.vars!, clauses: s.clauses!, v1, v2, v3 };
  },
  overhead: { sizeA: '2^v1', sizeB: '2^v2', sizeC: '2^v3', dim: 'clauses' },
  forward(cnf, o) {
    const groups = splitVariables(groupSizes(cnf.vars, o));
    const target: ThreeOvInstance = {
      dim: numClauses(cnf),
      A: groupVectors(cnf, groups[0]!),
      B: groupVectors(cnf, groups[1]!),
      C: groupVectors(cnf, groups[2]!),
    };
    return { target, meta: { groups } };
  },
  explain: ({ declared: t }) =>
    `Split and list (Williams): the variables are cut into V1, V2, V3; every assignment of a part becomes a 0/1 vector with ` +
    `a 0 at each clause it satisfies. |A| = ${t.sizeA}, |B| = ${t.sizeB}, |C| = ${t.sizeC}, d = ${t.dim}. ` +
    `The formula is satisfiable iff some a, b, c have no coordinate where all three are 1.`,
  backward({ source, meta, solution }) {
    if (solution.answer === 'NO' || !solution.witness) return { answer: solution.answer === 'NO' ? 'UNSAT' : 'SAT' };
    return { answer: 'SAT', assignment: assignmentFromRows(source.vars, meta.groups, solution.witness) };
  },
});
