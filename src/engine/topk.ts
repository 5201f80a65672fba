import type { z } from 'zod';
import { headwiseEngine, score, softmaxCombine, type HeadAttention, type EngineCtx } from './headwise.js';
import type { Engine } from './types.js';
import { TopkOptions } from './engine-options.js';

/**
 * top-k attention: for each query i, the exact scores s_ij = s·⟨q_i, k_j⟩ of all keys are computed,
 * only the k largest are kept, and softmax is renormalised over them:
 *
 *   out_i = Σ_{j ∈ T_i} e^{s_ij} v_j / Σ_{j ∈ T_i} e^{s_ij},   T_i = the k keys with the largest s_ij
 *
 * (ties broken by the lower key index). This is the sparse-attention idealisation used e.g. by
 * Gupta et al., "Memory-efficient Transformers via Top-k Attention" (2021): the scores still cost
 * 2n²m flops, only the exps and the value sum shrink to n·k. Exact limit: k ≥ n (all keys kept).
 * Causal models: T_i is taken among the keys j ≤ i.
 */
export type TopkOptions = z.infer<typeof TopkOptions>;

export function topkAttention(o: TopkOptions): HeadAttention {
  return (h, _rng, cost) => {
    const { Q, K, V, n, m, scale, causal } = h;
    const out = new Float64Array(n * m);
    const scores = new Float64Array(n);
    const idx = new Int32Array(n);
    const keptScores = new Float64Array(Math.min(o.k, n));
    const kept = new Int32Array(Math.min(o.k, n));
    for (let i = 0; i < n; i++) {
      const nk = causal ? i + 1 : n;
      for (let j = 0; j < nk; j++) {
        scores[j] = score(Q, K, i, j, m, scale);
        idx[j] = j;
      }
      cost.flops += nk * (2 * m + 1);
      const count = Math.min(o.k, nk);
      if (count < nk) {
        // Partial selection: sort the candidate indices by descending score (ties: lower index first).
        const order = Array.from(idx.subarray(0, nk)).sort((a, b) => scores[b]! - scores[a]! || a - b);
        for (let t = 0; t < count; t++) kept[t] = order[t]!;
        cost.flops += nk; // comparisons of a selection, counted once per key
      } else {
        for (let t = 0; t < count; t++) kept[t] = t;
      }
      for (let t = 0; t < count; t++) keptScores[t] = scores[kept[t]!]!;
      softmaxCombine(keptScores, kept, count, V, m, out, i * m, cost);
    }
    return out;
  };
}

export function createTopkEngine(options: z.input<typeof TopkOptions>, ctx: EngineCtx): Engine {
  const o = TopkOptions.parse(options);
  return headwiseEngine({ name: 'topk', attend: topkAttention(o), causal: true, seed: ctx.seed, budget: ctx.budget });
}
