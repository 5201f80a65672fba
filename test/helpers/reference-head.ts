import { attend, matmul } from '../../src/engine/reference.js';
import type { HeadWeights } from '../../src/problems/transformer.js';

/**
 * One head of the reference engine with separate query tokens and key/value tokens: the yardstick
 * the witness-recovery probe (a few query rows against a subset of the keys) is tested against.
 */
export function headOnRows(Xq: Float64Array, nq: number, Xkv: Float64Array, nk: number, m: number, w: HeadWeights, scale: number): Float64Array {
  const Q = matmul(Xq, nq, m, w.Q, m);
  const K = matmul(Xkv, nk, m, w.K, m);
  const V = matmul(Xkv, nk, m, w.V, m);
  return attend(Q, K, V, nq, nk, m, m, scale);
}
