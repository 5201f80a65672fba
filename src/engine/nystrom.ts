import type { z } from 'zod';
import { headwiseEngine, type Cost, type HeadAttention, type EngineCtx } from './headwise.js';
import type { Engine } from './types.js';
import { NystromOptions } from './engine-options.js';

/**
 * Nyströmformer (Xiong et al., "Nyströmformer: A Nyström-Based Algorithm for Approximating
 * Self-Attention", AAAI 2021): with k landmarks Q̃, K̃ (the means of k contiguous segments of the
 * queries and of the keys),
 *
 *   out = F · M⁺ · (B · V),   F = sm(s·QK̃ᵀ) (n×k),  M = sm(s·Q̃K̃ᵀ) (k×k),  B = sm(s·Q̃Kᵀ) (k×n),
 *
 * sm = row softmax, and M⁺ approximated by the paper's iteration
 *   Z₀ = Mᵀ/(‖M‖₁‖M‖∞),  Z ← ¼ Z (13I − MZ (15I − MZ (7I − MZ)))
 * (`iterations` times; the paper uses 6). Cost O(n·k·m + k³) per iteration count. `pinv: exact`
 * replaces the iteration by a rank-revealing elimination solving M·X = B·V (2k³/3 + 2k²m flops).
 * Segments: token t belongs to segment ⌊t·k/n⌋ (sizes differ by at most one).
 * Exact limit: k = n (segments of one token: F = M = B = the attention matrix P, and P·P⁺·P = P)
 * with enough iterations (about 20 on small random heads; on an ill-conditioned M many more
 * iterations lose accuracy again, as the converged Z amplifies roundoff through M⁺'s large entries). Not defined for causal models (a landmark mixes past and future tokens).
 */
export type NystromOptions = z.infer<typeof NystromOptions>;

/** Row softmax of s·A Bᵀ for A (ra×m), B (rb×m). */
function softmaxScores(A: Float64Array, ra: number, B: Float64Array, rb: number, m: number, scale: number, cost: Cost): Float64Array {
  const P = new Float64Array(ra * rb);
  for (let i = 0; i < ra; i++) {
    let mx = -Infinity;
    for (let j = 0; j < rb; j++) {
      let d = 0;
      for (let c = 0; c < m; c++) d += A[i * m + c]! * B[j * m + c]!;
      const s = scale * d;
      P[i * rb + j] = s;
      if (s > mx) mx = s;
    }
    let sum = 0;
    for (let j = 0; j < rb; j++) {
      const e = Math.exp(P[i * rb + j]! - mx);
      P[i * rb + j] = e;
      sum += e;
    }
    for (let j = 0; j < rb; j++) P[i * rb + j]! /= sum;
  }
  cost.flops += ra * rb * (2 * m + 4);
  cost.exps += ra * rb;
  return P;
}

/** C = A·B for A (r×k), B (k×c). */
function mul(A: Float64Array, r: number, k: number, B: Float64Array, c: number, cost: Cost): Float64Array {
  const C = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let t = 0; t < k; t++) {
      const a = A[i * k + t]!;
      if (a === 0) continue;
      for (let j = 0; j < c; j++) C[i * c + j]! += a * B[t * c + j]!;
    }
  }
  cost.flops += 2 * r * k * c;
  return C;
}

/** aI − X for a k×k X. */
function shiftNeg(a: number, X: Float64Array, k: number): Float64Array {
  const Y = new Float64Array(k * k);
  for (let t = 0; t < k * k; t++) Y[t] = -X[t]!;
  for (let i = 0; i < k; i++) Y[i * k + i]! += a;
  return Y;
}

/** The Nyströmformer iteration for M⁺. */
export function iterativePinv(M: Float64Array, k: number, iterations: number, cost: Cost): Float64Array {
  let norm1 = 0;
  let normInf = 0;
  for (let j = 0; j < k; j++) {
    let col = 0;
    for (let i = 0; i < k; i++) col += Math.abs(M[i * k + j]!);
    norm1 = Math.max(norm1, col);
  }
  for (let i = 0; i < k; i++) {
    let row = 0;
    for (let j = 0; j < k; j++) row += Math.abs(M[i * k + j]!);
    normInf = Math.max(normInf, row);
  }
  let Z: Float64Array = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) Z[i * k + j] = M[j * k + i]! / (norm1 * normInf);
  cost.flops += 3 * k * k;
  for (let it = 0; it < iterations; it++) {
    const MZ = mul(M, k, k, Z, k, cost);
    const inner = mul(MZ, k, k, shiftNeg(7, MZ, k), k, cost);
    const mid = mul(MZ, k, k, shiftNeg(15, inner, k), k, cost);
    Z = mul(Z, k, k, shiftNeg(13, mid, k), k, cost);
    for (let t = 0; t < k * k; t++) Z[t]! *= 0.25;
    cost.flops += 4 * k * k;
  }
  return Z;
}

/**
 * A solution X of M·X = R for M (k×k), R (k×c), by Gaussian elimination with partial pivoting that
 * skips columns whose best pivot is below 1e-12·max|M| (their unknowns are set to 0). For an
 * invertible M this is M⁻¹R; for a singular M with R in its range (k = n: R = B·V = M·V) it is a
 * solution, and M·X = R is what F·M⁺·(B·V) needs when F = M.
 */
export function luSolve(M: Float64Array, k: number, R: Float64Array, c: number, cost: Cost): Float64Array {
  const A = Float64Array.from(M);
  const X = Float64Array.from(R);
  let big = 0;
  for (const v of A) big = Math.max(big, Math.abs(v));
  const tiny = 1e-12 * big;
  const pivotCol: number[] = [];
  let row = 0;
  for (let p = 0; p < k && row < k; p++) {
    let piv = row;
    for (let i = row + 1; i < k; i++) if (Math.abs(A[i * k + p]!) > Math.abs(A[piv * k + p]!)) piv = i;
    if (!(Math.abs(A[piv * k + p]!) > tiny)) continue;
    if (piv !== row) {
      for (let j = 0; j < k; j++) [A[row * k + j], A[piv * k + j]] = [A[piv * k + j]!, A[row * k + j]!];
      for (let j = 0; j < c; j++) [X[row * c + j], X[piv * c + j]] = [X[piv * c + j]!, X[row * c + j]!];
    }
    for (let i = row + 1; i < k; i++) {
      const f = A[i * k + p]! / A[row * k + p]!;
      if (f === 0) continue;
      for (let j = p; j < k; j++) A[i * k + j]! -= f * A[row * k + j]!;
      for (let j = 0; j < c; j++) X[i * c + j]! -= f * X[row * c + j]!;
    }
    pivotCol.push(p);
    row++;
  }
  const Y = new Float64Array(k * c);
  for (let r = pivotCol.length - 1; r >= 0; r--) {
    const p = pivotCol[r]!;
    for (let j = 0; j < c; j++) {
      let s = X[r * c + j]!;
      for (let t = p + 1; t < k; t++) s -= A[r * k + t]! * Y[t * c + j]!;
      Y[p * c + j] = s / A[r * k + p]!;
    }
  }
  cost.flops += (2 * k * k * k) / 3 + 2 * k * k * c;
  return Y;
}

/** Means of k contiguous segments of the rows of A (n×m). */
function segmentMeans(A: Float64Array, n: number, m: number, k: number, cost: Cost): Float64Array {
  const L = new Float64Array(k * m);
  const counts = new Float64Array(k);
  for (let t = 0; t < n; t++) {
    const s = Math.floor((t * k) / n);
    counts[s]!++;
    for (let c = 0; c < m; c++) L[s * m + c]! += A[t * m + c]!;
  }
  for (let s = 0; s < k; s++) for (let c = 0; c < m; c++) L[s * m + c]! /= counts[s]!;
  cost.flops += n * m + k * m;
  return L;
}

export function nystromAttention(o: NystromOptions): HeadAttention {
  return (hIn, _rng, cost) => {
    const { Q, K, V, n, m, scale } = hIn;
    const k = Math.min(o.landmarks, n);
    hIn.guard(`${k} landmarks`, 8 * (2 * n * k + 6 * k * k + 2 * k * m));
    const Ql = segmentMeans(Q, n, m, k, cost);
    const Kl = segmentMeans(K, n, m, k, cost);
    const F = softmaxScores(Q, n, Kl, k, m, scale, cost);
    const M = softmaxScores(Ql, k, Kl, k, m, scale, cost);
    const B = softmaxScores(Ql, k, K, n, m, scale, cost);
    const BV = mul(B, k, n, V, m, cost);
    const ZBV = o.pinv === 'exact' ? luSolve(M, k, BV, m, cost) : mul(iterativePinv(M, k, o.iterations, cost), k, k, BV, m, cost);
    return mul(F, n, k, ZBV, m, cost);
  };
}

export function createNystromEngine(options: z.input<typeof NystromOptions>, ctx: EngineCtx): Engine {
  const o = NystromOptions.parse(options);
  return headwiseEngine({
    name: 'nystrom',
    attend: nystromAttention(o),
    causal: 'its landmarks are means over segments that mix earlier and later tokens, so no query can be kept from seeing the future',
    seed: ctx.seed,
    budget: ctx.budget,
  });
}
