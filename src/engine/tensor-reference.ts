import { UserError } from '../errors.js';
import { tensorAttentionWork, type TensorAttentionInstance } from '../problems/tensor-attention.js';

/**
 * The reference evaluation of third-order attention (src/problems/tensor-attention.ts): float64,
 * for each query a streaming softmax over all keys1 × keys2 pairs (running maximum, rescaled sum
 * and accumulator, as the transformer's reference engine does over keys), so nothing of size
 * n² is materialised and no exp overflows. Θ(queries · keys1 · keys2 · width) work: the cubic cost
 * is the point of the lower bound, so large instances are refused up front with the estimate.
 */

/** Multiply-adds evaluated without --force (≈ seconds on one core). */
export const TENSOR_WORK_LIMIT = 2 ** 31;

/** Refuse work beyond the limit with the estimate (unless forced). */
export function guardTensorWork(t: Pick<TensorAttentionInstance, 'queries' | 'keys1' | 'keys2' | 'width'>, force: boolean): void {
  const work = tensorAttentionWork(t);
  if (force || work <= TENSOR_WORK_LIMIT) return;
  throw new UserError(
    `refusing the tensor-attention reference evaluation: ${t.queries} queries × ${t.keys1}·${t.keys2} key pairs × width ${t.width} ` +
      `is about ${work.toExponential(2)} multiply-adds (n³ work; about ${Math.ceil(work / 5e8)} s at 5·10⁸/s), over the limit of ` +
      `${TENSOR_WORK_LIMIT.toExponential(2)}; pass --force to run it anyway`,
  );
}

/**
 * Rows `queryRows` of the output, with the key pairs restricted to keys1 ∈ `keys1` and
 * keys2 ∈ `keys2` (all when omitted): what witness recovery evaluates on subsets.
 */
export function tensorAttendRows(t: TensorAttentionInstance, queryRows: readonly number[], keys1?: readonly number[], keys2?: readonly number[]): Float64Array {
  const m = t.width;
  const J = keys1 ?? Array.from({ length: t.keys1 }, (_, j) => j);
  const K = keys2 ?? Array.from({ length: t.keys2 }, (_, k) => k);
  if (J.length === 0 || K.length === 0) throw new RangeError('tensor attention needs at least one key in each key set');
  // Columns zero in every query (or in every key of either set) add nothing to any score; value
  // columns zero in V1 or V2 add nothing to the output: skip both (the same sums).
  const nz = (a: Float64Array, rows: readonly number[]): Uint8Array => {
    const s = new Uint8Array(m);
    for (const r of rows) for (let c = 0; c < m; c++) if (a[r * m + c] !== 0) s[c] = 1;
    return s;
  };
  const qz = nz(t.Q, queryRows);
  const k1z = nz(t.K1, J);
  const k2z = nz(t.K2, K);
  const v1z = nz(t.V1, J);
  const v2z = nz(t.V2, K);
  const dotCols = Int32Array.from(Array.from({ length: m }, (_, c) => c).filter((c) => qz[c] && k1z[c] && k2z[c]));
  const valCols = Int32Array.from(Array.from({ length: m }, (_, c) => c).filter((c) => v1z[c] && v2z[c]));
  const out = new Float64Array(queryRows.length * m);
  const qk = new Float64Array(m);
  const acc = new Float64Array(m);
  queryRows.forEach((i, r) => {
    let runMax = -Infinity;
    let sum = 0;
    acc.fill(0);
    for (const j of J) {
      // q ∘ k1_j once per (query, first key); the pair's score is then one dot product with k2_k.
      for (let t2 = 0; t2 < dotCols.length; t2++) {
        const c = dotCols[t2]!;
        qk[c] = t.Q[i * m + c]! * t.K1[j * m + c]!;
      }
      for (const k of K) {
        let dot = 0;
        for (let t2 = 0; t2 < dotCols.length; t2++) {
          const c = dotCols[t2]!;
          dot += qk[c]! * t.K2[k * m + c]!;
        }
        const s = t.scale * dot;
        let w: number;
        if (s > runMax) {
          const rescale = Math.exp(runMax - s);
          sum *= rescale;
          for (let t2 = 0; t2 < valCols.length; t2++) acc[valCols[t2]!]! *= rescale;
          runMax = s;
          w = 1;
        } else w = Math.exp(s - runMax);
        sum += w;
        for (let t2 = 0; t2 < valCols.length; t2++) {
          const c = valCols[t2]!;
          acc[c]! += w * t.V1[j * m + c]! * t.V2[k * m + c]!;
        }
      }
    }
    for (let c = 0; c < m; c++) out[r * m + c] = acc[c]! / sum;
  });
  return out;
}

/** The whole output (queries × width), refused past TENSOR_WORK_LIMIT unless forced. */
export function evaluateTensorAttention(t: TensorAttentionInstance, force = false): Float64Array {
  guardTensorWork(t, force);
  return tensorAttendRows(
    t,
    Array.from({ length: t.queries }, (_, i) => i),
  );
}
