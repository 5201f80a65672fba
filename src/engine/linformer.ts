import type { z } from 'zod';
import { headwiseEngine, softmaxCombine, type HeadAttention, type EngineCtx } from './headwise.js';
import { gaussian } from './performer.js';
import type { Engine } from './types.js';
import { LinformerOptions } from './engine-options.js';

/**
 * Linformer (Wang, Li, Khabsa, Fang, Ma, "Linformer: Self-Attention with Linear Complexity", 2020):
 * project the keys and the values along the sequence to k rows,
 *
 *   out = softmax(s · Q (E K)ᵀ) (F V),   E, F ∈ R^{k×n},
 *
 * which costs O(n·k·m). Linformer learns E and F; without training, the paper's analysis (and its
 * JL argument) uses random projections, which is what runs here: E and F have i.i.d. N(0, 1/k)
 * entries, drawn per head from the seeded stream. `projection: mean` uses instead the pooling the
 * paper also discusses: row r of E = F averages the r-th of k contiguous segments of positions
 * (segment sizes differ by at most one), which approximates attention when the weights within a
 * segment are nearly equal. For k ≥ n no projection is needed and E = F = I is used: that is the
 * exact limit. Not defined for causal models (every projected row mixes all
 * positions).
 */
export type LinformerOptions = z.infer<typeof LinformerOptions>;

export function linformerAttention(o: LinformerOptions): HeadAttention {
  return (hIn, rng, cost) => {
    const { Q, K, V, n, m, scale } = hIn;
    let Kp = K;
    let Vp = V;
    let rows = n;
    if (o.k < n) {
      rows = o.k;
      const sd = 1 / Math.sqrt(o.k);
      const project = (A: Float64Array): Float64Array => {
        const P = new Float64Array(rows * m);
        if (o.projection === 'mean') {
          const counts = new Float64Array(rows);
          for (let t = 0; t < n; t++) {
            const r = Math.floor((t * rows) / n);
            counts[r]!++;
            for (let c = 0; c < m; c++) P[r * m + c]! += A[t * m + c]!;
          }
          for (let r = 0; r < rows; r++) for (let c = 0; c < m; c++) P[r * m + c]! /= counts[r]!;
          cost.flops += n * m + rows * m;
          return P;
        }
        for (let r = 0; r < rows; r++) {
          for (let t = 0; t < n; t++) {
            const e = sd * gaussian(rng);
            for (let c = 0; c < m; c++) P[r * m + c]! += e * A[t * m + c]!;
          }
        }
        cost.flops += 2 * rows * n * m;
        return P;
      };
      Kp = project(K);
      Vp = project(V);
    }
    const out = new Float64Array(n * m);
    const scores = new Float64Array(rows);
    const keys = Int32Array.from({ length: rows }, (_, j) => j);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < rows; j++) {
        let d = 0;
        for (let c = 0; c < m; c++) d += Q[i * m + c]! * Kp[j * m + c]!;
        scores[j] = scale * d;
      }
      cost.flops += rows * (2 * m + 1);
      softmaxCombine(scores, keys, rows, Vp, m, out, i * m, cost);
    }
    return out;
  };
}

export function createLinformerEngine(options: z.input<typeof LinformerOptions>, ctx: EngineCtx): Engine {
  const o = LinformerOptions.parse(options);
  return headwiseEngine({
    name: 'linformer',
    attend: linformerAttention(o),
    causal: 'each projected key and value row is a combination of all positions, future ones included',
    seed: ctx.seed,
    budget: ctx.budget,
  });
}
