/**
 * 3ov-to-ov — pair up A and B.
 *
 * Construction: A' = { a_i ∘ b_j : i < |A|, j < |B| } (coordinate-wise AND, row i·|B| + j),
 * B' = C, same dimension d.
 * Correctness: ⟨a∘b, c⟩ = Σ_k a[k]·b[k]·c[k], so (i·|B| + j, k) is an orthogonal pair of the OV
 * instance iff (i, j, k) is a zero triple of the 3-OV instance; the witness maps back by dividing
 * the row index by |B|. The size grows to |A|·|B| + |C| vectors: the usual price of collapsing
 * k-OV to (k−1)-OV (it is why the 3-OV → transformer route puts C in the heads instead).
 * Reference: folklore; e.g. V. Vassilevska Williams, On some fine-grained questions in algorithms
 * and complexity, ICM 2018, §k-OV.
 */
import { z } from 'zod';
import { emptyBitMatrix } from '../src/problems/bit-matrix.js';
import type { OvInstance, OvSolution } from '../src/problems/ov.js';
import type { ThreeOvInstance, ThreeOvSolution } from '../src/problems/three-ov.js';
import { defineReduction } from '../src/reduction/types.js';

const Options = z.object({});
type Options = z.infer<typeof Options>;

export const threeOvToOv = defineReduction<ThreeOvInstance, OvInstance, ThreeOvSolution, OvSolution, Options, null>({
  id: '3ov-to-ov',
  source: '3ov',
  target: 'ov',
  title: '3-OV → OV (A′ = A∘B, B′ = C)',
  reference: 'folklore; V. Vassilevska Williams, ICM 2018',
  optionsSchema: Options,
  params: (s) => ({ sizeA: s.sizeA!, sizeB: s.sizeB!, sizeC: s.sizeC!, dim: s.dim! }),
  overhead: { sizeA: 'sizeA * sizeB', sizeB: 'sizeC', dim: 'dim' },
  forward(o) {
    const { A, B } = o;
    const AB = emptyBitMatrix(A.rows * B.rows, o.dim);
    // Packed rows: the AND of two rows is the AND of their words.
    for (let i = 0; i < A.rows; i++) {
      for (let j = 0; j < B.rows; j++) {
        const dst = (i * B.rows + j) * AB.words;
        for (let w = 0; w < AB.words; w++) AB.data[dst + w] = (A.data[i * A.words + w]! & B.data[j * B.words + w]!) >>> 0;
      }
    }
    return { target: { dim: o.dim, A: AB, B: o.C }, meta: null };
  },
  backward({ source, solution }) {
    if (solution.answer === 'NO' || !solution.witness) return { answer: solution.answer };
    const [ab, k] = solution.witness;
    return { answer: 'YES', witness: [Math.floor(ab / source.B.rows), ab % source.B.rows, k] };
  },
});
