/**
 * ksat-to-kov — Williams' split and list into k groups, for any k ≥ 2 (R. Williams, A new algorithm
 * for optimal 2-constraint satisfaction and its implications, TCS 2005; the k-OV form of SETH).
 *
 * Construction: split the n variables into k consecutive groups of ⌈n/k⌉ or ⌊n/k⌋ (larger first).
 * For each group and each assignment α of it, the vector v_α ∈ {0,1}^M has a 0 exactly at the
 * clauses α satisfies (reductions/gadgets/split-and-list.ts). So |S_i| = 2^{|group i|}, d = M.
 * Correctness: a tuple (v_1, …, v_k) has no coordinate where all are 1 iff every clause is
 * satisfied by one group's part, iff the combined assignment satisfies φ. A witness (one index per
 * set) maps back to that assignment, verified against φ itself. SETH then says k-OV needs
 * N^{k−o(1)} time for N = 2^{n/k}.
 * `ksat-to-ov` and `ksat-to-3ov` are its k = 2 and k = 3 cases (the same gadget functions, into the
 * OV and 3-OV problems that the attention chains start from); their ids stay as they are.
 */
import { z } from 'zod';
import type { Cnf, SatSolution } from '../src/problems/ksat.js';
import { numClauses } from '../src/problems/ksat.js';
import type { KovInstance, KovSolution } from '../src/problems/kov.js';
import { defineReduction } from '../src/reduction/types.js';
import { integerAtLeast, reductionOption } from '../src/reduction/options.js';
import { assignmentFromRows, balancedSizes, groupVectors, splitVariables } from './gadgets/split-and-list.js';

const Options = z.object({
  k: reductionOption(integerAtLeast('k', 2), { help: 'k-SAT → k-OV: number of groups k ≥ 2 (default 3)', vary: [2, 3, 4] }),
});
type Options = z.infer<typeof Options>;

interface Meta {
  groups: number[][];
}

const DEFAULT_K = 3;

export const ksatToKov = defineReduction<Cnf, KovInstance, SatSolution, KovSolution, Options, Meta>({
  id: 'ksat-to-kov',
  source: 'ksat',
  target: 'kov',
  title: 'k-SAT → k-OV (split and list into k groups)',
  reference: 'R. Williams, A new algorithm for optimal 2-constraint satisfaction and its implications, TCS 2005',
  optionsSchema: Options,
  params: (s, o) => ({ vars: s.vars!, clauses: s.clauses!, k: o.k ?? DEFAULT_K }),
  overhead: {
    k: 'k',
    dim: 'clauses',
    largestSet: '2^ceil(vars / k)',
    // (n mod k) groups of ⌈n/k⌉ variables, the rest of ⌊n/k⌋.
    totalVectors: '(vars - k * floor(vars / k)) * 2^ceil(vars / k) + (k - vars + k * floor(vars / k)) * 2^floor(vars / k)',
  },
  forward(cnf, o) {
    const groups = splitVariables(balancedSizes(cnf.vars, o.k ?? DEFAULT_K));
    const target: KovInstance = { dim: numClauses(cnf), sets: groups.map((g) => groupVectors(cnf, g)) };
    return { target, meta: { groups } };
  },
  backward({ source, meta, solution }) {
    if (solution.answer === 'NO' || !solution.witness) return { answer: solution.answer === 'NO' ? 'UNSAT' : 'SAT' };
    return { answer: 'SAT', assignment: assignmentFromRows(source.vars, meta.groups, solution.witness) };
  },
});
