import type { z } from 'zod';
import { headwiseEngine, score, softmaxCombine, type HeadAttention, type EngineCtx } from './headwise.js';
import type { Engine } from './types.js';
import { WindowOptions } from './engine-options.js';

/**
 * Local (sliding-window) attention: query i attends only to the keys within distance w,
 *
 *   out_i = Σ_{|i−j| ≤ w} e^{s_ij} v_j / Σ_{|i−j| ≤ w} e^{s_ij}        (causal: i − w ≤ j ≤ i)
 *
 * as in the local attention of Child et al. (Sparse Transformers, 2019) and Beltagy et al.
 * (Longformer, 2020) without global tokens. Cost 4·n·(2w+1)·m instead of 4n²m.
 * Exact limit: w ≥ n − 1.
 */
export type WindowOptions = z.infer<typeof WindowOptions>;

export function windowAttention(o: WindowOptions): HeadAttention {
  return (h, _rng, cost) => {
    const { Q, K, V, n, m, scale, causal } = h;
    const out = new Float64Array(n * m);
    const width = Math.min(n, 2 * o.w + 1);
    const scores = new Float64Array(width);
    const keys = new Int32Array(width);
    for (let i = 0; i < n; i++) {
      const lo = Math.max(0, i - o.w);
      const hi = causal ? i : Math.min(n - 1, i + o.w);
      let count = 0;
      for (let j = lo; j <= hi; j++) {
        scores[count] = score(Q, K, i, j, m, scale);
        keys[count++] = j;
      }
      cost.flops += count * (2 * m + 1);
      softmaxCombine(scores, keys, count, V, m, out, i * m, cost);
    }
    return out;
  };
}

export function createWindowEngine(options: z.input<typeof WindowOptions>, ctx: EngineCtx): Engine {
  const o = WindowOptions.parse(options);
  return headwiseEngine({ name: 'window', attend: windowAttention(o), causal: true, seed: ctx.seed, budget: ctx.budget });
}
