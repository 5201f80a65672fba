import type { TransformerModel } from '../problems/transformer.js';

/**
 * Further single-head attention evaluations of an instance's own heads, for witness recovery
 * (docs/model.md §3): one head, on chosen query tokens of X_0, against chosen key tokens, optionally
 * with other value rows. Every call is counted so reports can show how many were needed.
 */
export interface HeadProbe {
  evaluate(model: TransformerModel, layer: number, head: number, queryTokens: readonly number[], keyTokens: readonly number[]): Float64Array;
  /** Number of evaluate() calls so far, and the query·key pairs they scored. */
  readonly stats: { calls: number; rounds: number; scoredPairs: number };
  /** Mark the start of one round of (possibly several) evaluations. */
  round(): void;
}

/**
 * Single-head evaluations on chosen rows of X_0, for witness recovery. Valid for constructions
 * whose weights never read the coordinates that heads write (the orthogonality gadget): there every
 * layer sees X_0's other coordinates unchanged.
 *
 * A few query rows against many keys need not project every key: by associativity
 *   score_j = s·⟨x_q W_Q, x_j W_K⟩ = s·⟨x_j, W_K (x_q W_Q)ᵀ⟩   and   out = (Σ_j p_j x_j) W_V,
 * so one query costs O(m² + |keys|·m) instead of O(|keys|·m²). Softmax is max-shifted as in the
 * reference engine; all arithmetic is float64. In a causal model a query sees only the keys at or
 * before its own position: later key tokens are dropped from its row, as the mask would.
 */
export function makeHeadProbe(): HeadProbe {
  const stats = { calls: 0, rounds: 0, scoredPairs: 0 };
  return {
    stats,
    round: () => void stats.rounds++,
    evaluate(model: TransformerModel, layer: number, head: number, queryTokens: readonly number[], keyTokens: readonly number[]): Float64Array {
      if (keyTokens.length === 0) throw new RangeError('attention needs at least one key');
      stats.calls++;
      const w = model.weights[layer]![head]!;
      const out = new Float64Array(queryTokens.length * model.width);
      queryTokens.forEach((t, r) => {
        const keys = model.causal ? keyTokens.filter((k) => k <= t) : keyTokens;
        if (keys.length === 0) throw new RangeError(`causal model: query token ${t} sees none of the given keys`);
        stats.scoredPairs += keys.length;
        out.set(attendOneQuery(model, w.Q, w.K, w.V, t, keys), r * model.width);
      });
      return out;
    },
  };
}

function attendOneQuery(
  model: TransformerModel,
  WQ: Float64Array,
  WK: Float64Array,
  WV: Float64Array,
  queryToken: number,
  keyTokens: readonly number[],
): Float64Array {
  const m = model.width;
  const X = model.X;
  const xq = X.subarray(queryToken * m, (queryToken + 1) * m);
  // q = x_q W_Q (row vector), r = W_K qᵀ, so that x_j · r = ⟨x_j W_K, q⟩.
  const q = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const x = xq[k]!;
    if (x !== 0) for (let c = 0; c < m; c++) q[c]! += x * WQ[k * m + c]!;
  }
  const r = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let s = 0;
    for (let c = 0; c < m; c++) s += WK[k * m + c]! * q[c]!;
    r[k] = model.scale * s;
  }
  const scores = new Float64Array(keyTokens.length);
  let max = -Infinity;
  keyTokens.forEach((t, j) => {
    let s = 0;
    const off = t * m;
    for (let k = 0; k < m; k++) s += X[off + k]! * r[k]!;
    scores[j] = s;
    if (s > max) max = s;
  });
  let sum = 0;
  const xbar = new Float64Array(m);
  keyTokens.forEach((t, j) => {
    const p = Math.exp(scores[j]! - max);
    sum += p;
    const off = t * m;
    for (let k = 0; k < m; k++) xbar[k]! += p * X[off + k]!;
  });
  const out = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const x = xbar[k]! / sum;
    if (x !== 0) for (let c = 0; c < m; c++) out[c]! += x * WV[k * m + c]!;
  }
  return out;
}
