import { kvGroupOf, kvGroupsViolation, type ReluMlp, type TransformerModel } from '../problems/transformer.js';
import { UserError } from '../errors.js';
import { exactAttentionCost } from './cost.js';
import type { Engine, EvalOptions, EvalResult } from './types.js';

/**
 * Reference engine: float64, written for clarity; the yardstick every other engine is tested against.
 *
 * Softmax is computed online while streaming over the keys (running maximum, rescaled running sum
 * and accumulator), so no n×n matrix is ever materialised and no exp overflows: every exponent is
 * s·⟨q,k⟩ − (running max) ≤ 0.
 *
 * Causal models stop each query's stream at its own position (keys j ≤ i). Grouped-query models
 * (kvGroups) project K and V once per group and reuse them for every head of the group.
 */

/** Y = X W for X (rows×m) and W (m×cols). */
export function matmul(X: Float64Array, rows: number, m: number, W: Float64Array, cols: number): Float64Array {
  const Y = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < m; k++) {
      const x = X[i * m + k]!;
      if (x === 0) continue;
      const wOff = k * cols;
      const yOff = i * cols;
      for (let j = 0; j < cols; j++) Y[yOff + j]! += x * W[wOff + j]!;
    }
  }
  return Y;
}

/**
 * softmax_rows(scale · Q Kᵀ) · V for Q (nq×m), K (nk×m), V (nk×mv), streaming over keys.
 * nk must be ≥ 1 (a row with no key is undefined; constructions always have a sink token).
 * `causal`: query i attends to keys 0..i only (queries and keys are the same positions, nq ≤ nk).
 */
export function attend(
  Q: Float64Array,
  K: Float64Array,
  V: Float64Array,
  nq: number,
  nk: number,
  m: number,
  mv: number,
  scale: number,
  causal = false,
): Float64Array {
  if (nk < 1) throw new RangeError('attention needs at least one key');
  if (causal && nq > nk) throw new RangeError('causal attention needs a key at every query position');
  // Columns that are zero in every query or every key add nothing to a score, and value columns
  // that are zero in every key add nothing to the output: skip both (exactly the same sums).
  const dotCols = activeColumns(Q, nq, m, K, nk);
  const valCols = activeColumns(V, nk, mv);
  const out = new Float64Array(nq * mv);
  const acc = new Float64Array(mv);
  for (let i = 0; i < nq; i++) {
    let runMax = -Infinity;
    let sum = 0;
    acc.fill(0);
    const qOff = i * m;
    const last = causal ? i + 1 : nk;
    for (let j = 0; j < last; j++) {
      let dot = 0;
      const kOff = j * m;
      for (let t = 0; t < dotCols.length; t++) {
        const c = dotCols[t]!;
        dot += Q[qOff + c]! * K[kOff + c]!;
      }
      const s = scale * dot;
      const vOff = j * mv;
      if (s > runMax) {
        // New maximum: rescale what was accumulated under the old one.
        const r = Math.exp(runMax - s);
        sum = sum * r + 1;
        for (let t = 0; t < valCols.length; t++) {
          const c = valCols[t]!;
          acc[c] = acc[c]! * r + V[vOff + c]!;
        }
        runMax = s;
      } else {
        const w = Math.exp(s - runMax);
        sum += w;
        for (let t = 0; t < valCols.length; t++) {
          const c = valCols[t]!;
          acc[c]! += w * V[vOff + c]!;
        }
      }
    }
    const oOff = i * mv;
    for (let c = 0; c < mv; c++) out[oOff + c] = acc[c]! / sum;
  }
  return out;
}

/** Indices of the columns that are non-zero somewhere in A (rows×cols), and in B too when given. */
function activeColumns(A: Float64Array, rowsA: number, cols: number, B?: Float64Array, rowsB = 0): Int32Array {
  const nonzero = (M: Float64Array, rows: number): Uint8Array => {
    const seen = new Uint8Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (M[r * cols + c] !== 0) seen[c] = 1;
    return seen;
  };
  const a = nonzero(A, rowsA);
  const b = B ? nonzero(B, rowsB) : undefined;
  const out: number[] = [];
  for (let c = 0; c < cols; c++) if (a[c] && (!b || b[c])) out.push(c);
  return Int32Array.from(out);
}

export function applyMlp(Y: Float64Array, n: number, m: number, p: ReluMlp): Float64Array {
  const Hd = matmul(Y, n, m, p.W1, p.hidden);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p.hidden; j++) {
      const v = Hd[i * p.hidden + j]! + p.b1[j]!;
      Hd[i * p.hidden + j] = v > 0 ? v : 0;
    }
  }
  const Out = matmul(Hd, n, p.hidden, p.W2, m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) Out[i * m + j]! += p.b2[j]!;
  return Out;
}

export function evaluateReference(model: TransformerModel, options: EvalOptions = {}): EvalResult {
  const { tokens: n, width: m, layers: L, heads: H } = model;
  const violation = kvGroupsViolation(model);
  if (violation) throw new UserError(violation);
  const causal = model.causal === true;
  let X = model.X;
  const perHead: Float64Array[][] | undefined = options.perHead ? [] : undefined;
  let done = 0;
  for (let l = 0; l < L; l++) {
    const Y = model.residual ? Float64Array.from(X) : new Float64Array(n * m);
    const layerHeads: Float64Array[] = [];
    let kv: { group: number; K: Float64Array; V: Float64Array } | undefined;
    for (let h = 0; h < H; h++) {
      const w = model.weights[l]![h]!;
      // One K, V projection per K/V group (every head its own group when kvGroups is absent).
      const group = kvGroupOf(model, h);
      if (!kv || kv.group !== group) kv = { group, K: matmul(X, n, m, w.K, m), V: matmul(X, n, m, w.V, m) };
      const out = attend(matmul(X, n, m, w.Q, m), kv.K, kv.V, n, n, m, m, model.scale, causal);
      for (let i = 0; i < Y.length; i++) Y[i]! += out[i]!;
      if (perHead) layerHeads.push(out);
      options.onProgress?.(++done, L * H);
    }
    perHead?.push(layerHeads);
    const p = model.mlp[l];
    X = p ? applyMlp(Y, n, m, p) : Y;
  }
  const result: EvalResult = { output: X === model.X ? Float64Array.from(X) : X, engine: 'reference', dtype: 'f64', cost: exactAttentionCost(model) };
  if (perHead) result.perHead = perHead;
  return result;
}

export const referenceEngine: Engine = {
  name: 'reference',
  dtype: 'f64',
  // async: an error rejects the promise rather than throwing at the call.
  evaluate: async (model, options) => evaluateReference(model, options),
};
