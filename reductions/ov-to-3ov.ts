/**
 * ov-to-3ov — pad with the all-ones vector.
 *
 * Construction: A and B unchanged, C = {1^d}.
 * Correctness: Σ_k a[k]·b[k]·1 = ⟨a, b⟩, so (i, j, 0) is a zero triple iff (i, j) is an orthogonal
 * pair; the witness maps back by dropping the third index.
 * Reference: folklore (e.g. the k-OV hierarchy, Williams 2005).
 */
import { z } from 'zod';
import { emptyBitMatrix, setBit } from '../src/problems/bit-matrix.js';
import type { OvInstance, OvSolution } from '../src/problems/ov.js';
import type { ThreeOvInstance, ThreeOvSolution } from '../src/problems/three-ov.js';
import { defineReduction } from '../src/reduction/types.js';

const Options = z.object({});
type Options = z.infer<typeof Options>;

export const ovTo3ov = defineReduction<OvInstance, ThreeOvInstance, OvSolution, ThreeOvSolution, Options, null>({
  id: 'ov-to-3ov',
  source: 'ov',
  target: '3ov',
  title: 'OV → 3-OV (C = {all-ones})',
  reference: 'folklore; R. Williams, TCS 2005',
  optionsSchema: Options,
  params: (s) => ({ sizeA: s.sizeA!, sizeB: s.sizeB!, dim: s.dim! }),
  overhead: { sizeA: 'sizeA', sizeB: 'sizeB', sizeC: '1', dim: 'dim' },
  forward(o) {
    const C = emptyBitMatrix(1, o.dim);
    for (let k = 0; k < o.dim; k++) setBit(C, 0, k, 1);
    return { target: { dim: o.dim, A: o.A, B: o.B, C }, meta: null };
  },
  explain: () => 'Padded OV to 3-OV with C = {all-ones}.',
  backward({ solution }) {
    if (solution.answer === 'NO' || !solution.witness) return { answer: solution.answer };
    const [i, j] = solution.witness;
    return { answer: 'YES', witness: [i, j] };
  },
});
