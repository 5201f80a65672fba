import type { z } from 'zod';
import type { Rng } from '../rng.js';
import { headwiseEngine, sweepKeysAndQueries, type HeadAttention, type EngineCtx } from './headwise.js';
import type { Engine } from './types.js';
import { PerformerOptions } from './engine-options.js';

/**
 * Performer's FAVOR+ (Choromanski et al., "Rethinking Attention with Performers", ICLR 2021,
 * arXiv 2009.14794): positive orthogonal random features for the softmax kernel,
 *
 *   e^{⟨x, y⟩} = E_ω[φ(x)ᵀφ(y)],  φ(x) = r^{−1/2} e^{−‖x‖²/2} (e^{ω₁ᵀx}, …, e^{ω_rᵀx}),  ω ~ N(0, I_m),
 *
 * with x = √s·q, y = √s·k, so that the output D̂⁻¹ φ(Q)(φ(K)ᵀ V), D̂ = diag(φ(Q)(φ(K)ᵀ 1)), costs
 * O(n·r·m). The ω are drawn in blocks of m rows, orthogonalised (Gram–Schmidt) and rescaled to
 * norms of independent χ_m draws, which keeps each ω marginally N(0, I) (the "orthogonal random
 * features" of the paper, lower variance). For stability each query's features are shifted by
 * that query's max ωᵀx (cancels between numerator and D̂) and the keys' by one global max.
 * Causal models: prefix sums over j ≤ i. Unbiased, with variance growing like e^{‖x‖²+‖y‖²}:
 * exact in the limit r → ∞ (error ∝ 1/√r), which the tests measure. Features are redrawn per head.
 */
export type PerformerOptions = z.infer<typeof PerformerOptions>;

/** A standard normal draw (Box–Muller on the seeded stream). */
export function gaussian(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** r×m matrix of orthogonal random features: blocks of m orthonormal rows, each scaled by a χ_m norm. */
export function orthogonalGaussian(rng: Rng, r: number, m: number): Float64Array {
  const W = new Float64Array(r * m);
  for (let b = 0; b < r; b += m) {
    const rows = Math.min(m, r - b);
    const G = Float64Array.from({ length: m * m }, () => gaussian(rng));
    // Gram–Schmidt on the m rows of G (full rank with probability 1).
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < i; k++) {
        let d = 0;
        for (let c = 0; c < m; c++) d += G[i * m + c]! * G[k * m + c]!;
        for (let c = 0; c < m; c++) G[i * m + c]! -= d * G[k * m + c]!;
      }
      let norm = 0;
      for (let c = 0; c < m; c++) norm += G[i * m + c]! ** 2;
      norm = Math.sqrt(norm);
      for (let c = 0; c < m; c++) G[i * m + c]! /= norm;
    }
    for (let i = 0; i < rows; i++) {
      let chi = 0;
      for (let c = 0; c < m; c++) chi += gaussian(rng) ** 2;
      chi = Math.sqrt(chi);
      for (let c = 0; c < m; c++) W[(b + i) * m + c] = chi * G[i * m + c]!;
    }
  }
  return W;
}

export function performerAttention(o: PerformerOptions): HeadAttention {
  return (hIn, rng, cost) => {
    const { Q, K, V, n, m, scale, causal } = hIn;
    const r = o.features;
    hIn.guard(`${r} random features`, 8 * (2 * n * r + r * (m + 1) + r * m));
    const W = orthogonalGaussian(rng, r, m);
    cost.flops += 4 * r * m * m; // Gram–Schmidt, roughly
    const root = Math.sqrt(Math.max(scale, 0));
    const sign = scale < 0 ? -1 : 1; // s < 0: e^{s⟨q,k⟩} = e^{⟨√|s| q, −√|s| k⟩}
    // Raw exponents ωᵀx − ‖x‖²/2 for all rows of Q (and K).
    const expo = (M: Float64Array, flip: number): Float64Array => {
      const E = new Float64Array(n * r);
      for (let i = 0; i < n; i++) {
        let sq = 0;
        for (let c = 0; c < m; c++) sq += (root * M[i * m + c]!) ** 2;
        for (let f = 0; f < r; f++) {
          let d = 0;
          for (let c = 0; c < m; c++) d += W[f * m + c]! * M[i * m + c]!;
          E[i * r + f] = flip * root * d - sq / 2;
        }
      }
      cost.flops += n * (r * 2 * m + r + 3 * m);
      return E;
    };
    const EQ = expo(Q, 1);
    const EK = expo(K, sign);
    let kMax = -Infinity;
    for (let t = 0; t < EK.length; t++) if (EK[t]! > kMax) kMax = EK[t]!;
    for (let t = 0; t < EK.length; t++) EK[t] = Math.exp(EK[t]! - kMax);
    for (let i = 0; i < n; i++) {
      let qMax = -Infinity;
      for (let f = 0; f < r; f++) if (EQ[i * r + f]! > qMax) qMax = EQ[i * r + f]!;
      for (let f = 0; f < r; f++) EQ[i * r + f] = Math.exp(EQ[i * r + f]! - qMax);
    }
    cost.exps += 2 * n * r;
    // (The common factor r^{−1/2}·r^{−1/2} cancels between numerator and D̂.)
    const mv = m + 1;
    const S = new Float64Array(r * mv);
    const out = new Float64Array(n * m);
    const addKey = (j: number): void => {
      for (let f = 0; f < r; f++) {
        const p = EK[j * r + f]!;
        for (let c = 0; c < m; c++) S[f * mv + c]! += p * V[j * m + c]!;
        S[f * mv + m]! += p;
      }
    };
    const num = new Float64Array(mv);
    const readQuery = (i: number): void => {
      num.fill(0);
      for (let f = 0; f < r; f++) {
        const p = EQ[i * r + f]!;
        for (let c = 0; c < mv; c++) num[c]! += p * S[f * mv + c]!;
      }
      for (let c = 0; c < m; c++) out[i * m + c] = num[c]! / num[m]!;
    };
    sweepKeysAndQueries(n, causal, addKey, readQuery);
    cost.flops += 4 * n * r * mv + n * m;
    return out;
  };
}

export function createPerformerEngine(options: z.input<typeof PerformerOptions>, ctx: EngineCtx): Engine {
  const o = PerformerOptions.parse(options);
  return headwiseEngine({ name: 'performer', attend: performerAttention(o), causal: true, seed: ctx.seed, budget: ctx.budget });
}
