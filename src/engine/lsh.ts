import type { z } from 'zod';
import { headwiseEngine, type HeadAttention, type EngineCtx } from './headwise.js';
import { gaussian } from './performer.js';
import type { Engine } from './types.js';
import { LshOptions } from './engine-options.js';

/**
 * Bucketed attention by angular LSH, in the style of Reformer (Kitaev, Kaiser, Levskaya, ICLR 2020)
 * and HyperAttention (Han et al., arXiv 2310.05869):
 *  1. hash: b random hyperplanes ω₁..ω_b ~ N(0, I_m); the code of a vector x is its sign pattern
 *     (sign ωᵢᵀx)ᵢ, read as a Gray code so that neighbouring buckets differ in one hyperplane;
 *     queries and keys are hashed with the same hyperplanes;
 *  2. sort queries and keys by bucket (stable, ties by position) and cut both sorted orders into
 *     blocks of w; the queries of block t attend exactly to the keys of block t;
 *  3. the mass outside the block is estimated from `samples` keys drawn uniformly with
 *     replacement (shared by all queries), each weighted n/samples, skipping those inside the
 *     query's block (so the estimate of the outside mass is unbiased);
 *  4. block and sample terms are merged with one max shift (log-sum-exp):
 *       out_i = (Σ_{j∈blk(i)} e^{s_ij} v_j + (n/S) Σ_{t: j_t∉blk(i)} e^{s_ij_t} v_{j_t}) / (same with v = 1).
 * Cost O(n·(w + S)·m + n·b·m). Exact limit: w ≥ n (one block holds every key; every sample is
 * skipped), e.g. with b = 0 (one bucket). Not offered for causal models (a block of sorted keys
 * mixes positions; masking it would change the sampling estimator).
 */
export type LshOptions = z.infer<typeof LshOptions>;

function grayToBinary(g: number): number {
  let b = g;
  for (let s = g >>> 1; s > 0; s >>>= 1) b ^= s;
  return b;
}

export function lshAttention(o: LshOptions): HeadAttention {
  return (hIn, rng, cost) => {
    const { Q, K, V, n, m, scale } = hIn;
    const b = o.hashes;
    const W = Float64Array.from({ length: b * m }, () => gaussian(rng));
    const bucket = (A: Float64Array, i: number): number => {
      let code = 0;
      for (let t = 0; t < b; t++) {
        let d = 0;
        for (let c = 0; c < m; c++) d += W[t * m + c]! * A[i * m + c]!;
        if (d >= 0) code |= 1 << t;
      }
      return grayToBinary(code);
    };
    const qb = Int32Array.from({ length: n }, (_, i) => bucket(Q, i));
    const kb = Int32Array.from({ length: n }, (_, i) => bucket(K, i));
    cost.flops += 2 * n * b * 2 * m;
    const order = (codes: Int32Array): Int32Array => Int32Array.from(Array.from({ length: n }, (_, i) => i).sort((x, y) => codes[x]! - codes[y]! || x - y));
    const qOrder = order(qb);
    const kOrder = order(kb);
    const keyBlock = new Int32Array(n);
    kOrder.forEach((j, p) => (keyBlock[j] = Math.floor(p / o.block)));
    const sampled = Int32Array.from({ length: o.samples }, () => rng.int(n));
    const weight = o.samples > 0 ? n / o.samples : 0;
    const out = new Float64Array(n * m);
    const sc = new Float64Array(n + o.samples);
    const wt = new Float64Array(n + o.samples);
    const idx = new Int32Array(n + o.samples);
    for (let p = 0; p < n; p++) {
      const i = qOrder[p]!;
      const blk = Math.floor(p / o.block);
      let count = 0;
      const lo = blk * o.block;
      const hi = Math.min(n, lo + o.block);
      for (let t = lo; t < hi; t++) {
        idx[count] = kOrder[t]!;
        wt[count++] = 1;
      }
      for (let t = 0; t < o.samples; t++) {
        const j = sampled[t]!;
        if (keyBlock[j] === blk) continue;
        idx[count] = j;
        wt[count++] = weight;
      }
      let mx = -Infinity;
      for (let t = 0; t < count; t++) {
        let d = 0;
        const j = idx[t]!;
        for (let c = 0; c < m; c++) d += Q[i * m + c]! * K[j * m + c]!;
        sc[t] = scale * d;
        if (sc[t]! > mx) mx = sc[t]!;
      }
      let den = 0;
      for (let t = 0; t < count; t++) {
        const e = wt[t]! * Math.exp(sc[t]! - mx);
        sc[t] = e;
        den += e;
      }
      for (let t = 0; t < count; t++) {
        const w = sc[t]! / den;
        const j = idx[t]!;
        for (let c = 0; c < m; c++) out[i * m + c]! += w * V[j * m + c]!;
      }
      cost.flops += count * (4 * m + 5);
      cost.exps += count;
    }
    return out;
  };
}

export function createLshEngine(options: z.input<typeof LshOptions>, ctx: EngineCtx): Engine {
  const o = LshOptions.parse(options);
  return headwiseEngine({
    name: 'lsh',
    attend: lshAttention(o),
    causal: 'a block of the bucket-sorted keys mixes positions, and masking it would bias the sampled residual',
    seed: ctx.seed,
    budget: ctx.budget,
  });
}
