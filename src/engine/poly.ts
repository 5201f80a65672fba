import type { z } from 'zod';
import { UserError } from '../errors.js';
import { headwiseEngine, sweepKeysAndQueries, type Cost, type EngineCtx, type HeadAttention } from './headwise.js';
import type { Engine } from './types.js';
import { PolyOptions } from './engine-options.js';

/**
 * The polynomial method of Alman and Song, "Fast Attention Requires Bounded Entries" (NeurIPS 2023,
 * arXiv 2302.13214): replace exp by a polynomial P of degree g on the range of the scores, and
 * factorise P(s·QKᵀ) = U₁U₂ᵀ through monomial features, so that
 *
 *   out = D̃⁻¹ U₁ (U₂ᵀ V),   D̃ = diag(U₁ (U₂ᵀ 1)),
 *
 * is computed in O(n·r·m) without ever forming the n×n matrix. Here, per head:
 *  1. the score range [lo, hi] ∋ s·⟨q_i, k_j⟩ is bounded by interval arithmetic over the columns,
 *     O(n·m): no score is computed. Columns that are zero in every query or every key are dropped
 *     (they add nothing to any score), leaving m' active columns.
 *  2. with c = (lo+hi)/2, h = (hi−lo)/2 and t = (s⟨q,k⟩ − c)/h ∈ [−1, 1], e^{s⟨q,k⟩} ∝ e^{h·t}, and
 *     P is the degree-g Chebyshev interpolant of e^{h·t} on [−1, 1] (near-minimax; its error is at
 *     most h^{g+1}e^{h}/(2^g (g+1)!), so the relative error of a weight, whose smallest value is
 *     e^{−h}, is at most ε(g) = h^{g+1}e^{2h}/(2^g (g+1)!)). The constant c is softmax-invariant.
 *  3. t = ⟨q̃, k̃⟩ with q̃ = (s·q/h, −c/h) and k̃ = (k, 1) (m'+1 coordinates), and
 *     t^j = Σ_{|α|=j} (j!/α!) q̃^α k̃^α, so P(t) = ⟨φ(q̃), ψ(k̃)⟩ with φ_α = p_j·√(j!/α!)·q̃^α and
 *     ψ_α = √(j!/α!)·k̃^α over all multi-indices of degree ≤ g: rank r = C(m'+1+g, g).
 * g is given (`degree`) or the smallest with ε(g) ≤ `error` (default 1/(20n): a convex combination of
 * values |v| ≤ 1 then moves by at most ≈ 2ε ≤ 1/(10n)). When r exceeds `maxRank` the engine refuses,
 * with the rank and the flops it would cost beside the exact algorithm's: that refusal is the
 * theorem's prediction on large entries (scores spread over Θ(log n) need g, hence r, to grow).
 * Numerics: monomial features lose precision like u·e^{2h} on rows whose scores all sit near the
 * bottom of the range (u = 2⁻⁵³); on such ranges the needed degree is already prohibitive.
 * Causal models: prefix sums of ψ(k_j)[v_j, 1] over j ≤ i, the same O(n·r·m).
 * Exact limit: g → ∞ (the interpolant converges to e^{h·t} uniformly on [−1, 1]).
 *
 * `mode: dense` evaluates the same P on the n×n scores instead (Clenshaw's recurrence on the
 * Chebyshev series, on the exact range of the scores, no exp at all): O(n²(m+g)), no rank limit,
 * numerically stable at any degree. It is what the method costs when r ≥ n, and it is how the
 * engine reaches its exact limit on models with wide score ranges (the conformance suite runs it at
 * degree 200); the factorisation itself is tested against the multinomial theorem and, at small
 * entries, against the reference engine.
 */
export type PolyOptions = z.infer<typeof PolyOptions>;

/** ln C(a+g, g). */
export function logRank(vars: number, g: number): number {
  return lnGamma(vars + g + 1) - lnGamma(vars + 1) - lnGamma(g + 1);
}

/** ln Γ(x) for x ≥ 1 (Stirling with correction terms; exact enough for sizing). */
function lnGamma(x: number): number {
  if (x < 8) {
    let p = 0;
    while (x < 8) p -= Math.log(x++);
    return p + lnGamma(x);
  }
  const inv = 1 / x;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + inv / 12 - (inv * inv * inv) / 360;
}

/** ln of the a-priori relative weight error ε(g) = h^{g+1}e^{2h}/(2^g (g+1)!). */
export function logErrorBound(h: number, g: number): number {
  if (h === 0) return -Infinity;
  return (g + 1) * Math.log(h) + 2 * h - g * Math.LN2 - lnGamma(g + 2);
}

/** Smallest degree whose bound meets the target relative error (capped at 10000). */
export function degreeFor(h: number, error: number): number {
  const target = Math.log(error);
  for (let g = 0; g < 10000; g++) if (logErrorBound(h, g) <= target) return g;
  return 10000;
}

/** Chebyshev coefficients c_0..c_g of the degree-g interpolant of e^{h·t − shift} at the g+1 Chebyshev points. */
export function chebyshevExpSeries(h: number, g: number, shift = 0): Float64Array {
  const N = g + 1;
  const cheb = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < N; k++) {
      const theta = (Math.PI * (k + 0.5)) / N;
      s += Math.exp(h * Math.cos(theta) - shift) * Math.cos(j * theta);
    }
    cheb[j] = ((j === 0 ? 1 : 2) / N) * s;
  }
  return cheb;
}

/** Monomial coefficients p_0..p_g (in t) of the degree-g Chebyshev interpolant of e^{h·t} on [−1, 1]. */
export function chebyshevExpCoefficients(h: number, g: number): Float64Array {
  const N = g + 1;
  const cheb = chebyshevExpSeries(h, g);
  // T_0 = 1, T_1 = t, T_{k+1} = 2t·T_k − T_{k−1}, as monomial coefficient vectors.
  const p = new Float64Array(N);
  let prev = new Float64Array(N);
  let cur = new Float64Array(N);
  prev[0] = 1;
  p[0] = cheb[0]!;
  if (N > 1) {
    cur[1] = 1;
    p[1] = cheb[1]!;
  }
  for (let k = 2; k < N; k++) {
    const next = new Float64Array(N);
    for (let i = 0; i < N - 1; i++) next[i + 1]! += 2 * cur[i]!;
    for (let i = 0; i < N; i++) next[i]! -= prev[i]!;
    for (let i = 0; i < N; i++) p[i]! += cheb[k]! * next[i]!;
    prev = cur;
    cur = next;
  }
  return p;
}

/**
 * Multi-indices of degree ≤ g over `vars` variables, graded, each as parent·x_v: monomial t
 * (t ≥ 1) = monomial parent[t] times variable v[t]; weight[t] = √(|α|!/α!), degree[t] = |α|.
 */
export interface MonomialTable {
  readonly rank: number;
  readonly parent: Int32Array;
  readonly variable: Int32Array;
  readonly weight: Float64Array;
  readonly degree: Int32Array;
}

export function monomialTable(vars: number, g: number): MonomialTable {
  const parent = [-1];
  const variable = [-1];
  const multinom = [1];
  const degree = [0];
  const lastVar = [0];
  const lastCount = [0];
  let start = 0;
  let end = 1;
  for (let j = 1; j <= g; j++) {
    for (let t = start; t < end; t++) {
      for (let v = t === 0 ? 0 : lastVar[t]!; v < vars; v++) {
        const count = t !== 0 && v === lastVar[t] ? lastCount[t]! + 1 : 1;
        parent.push(t);
        variable.push(v);
        multinom.push((multinom[t]! * j) / count);
        degree.push(j);
        lastVar.push(v);
        lastCount.push(count);
      }
    }
    start = end;
    end = parent.length;
  }
  return {
    rank: parent.length,
    parent: Int32Array.from(parent),
    variable: Int32Array.from(variable),
    weight: Float64Array.from(multinom, Math.sqrt),
    degree: Int32Array.from(degree),
  };
}

/** Fill feats (length rank) with the weighted monomials of x (length vars); coef[j] multiplies degree j. */
function features(x: Float64Array, table: MonomialTable, coef: Float64Array | null, feats: Float64Array): void {
  const { rank, parent, variable, weight, degree } = table;
  feats[0] = 1;
  for (let t = 1; t < rank; t++) feats[t] = feats[parent[t]!]! * x[variable[t]!]!;
  for (let t = 0; t < rank; t++) feats[t] = feats[t]! * weight[t]! * (coef ? coef[degree[t]!]! : 1);
}

/** Interval bound on the scores s·⟨q_i, k_j⟩ over the active columns. */
export function scoreRange(Q: Float64Array, K: Float64Array, n: number, m: number, scale: number, cols: readonly number[]): { lo: number; hi: number } {
  let lo = 0;
  let hi = 0;
  for (const c of cols) {
    let qmin = Infinity,
      qmax = -Infinity,
      kmin = Infinity,
      kmax = -Infinity;
    for (let i = 0; i < n; i++) {
      const q = Q[i * m + c]!;
      const k = K[i * m + c]!;
      if (q < qmin) qmin = q;
      if (q > qmax) qmax = q;
      if (k < kmin) kmin = k;
      if (k > kmax) kmax = k;
    }
    const prods = [qmin * kmin, qmin * kmax, qmax * kmin, qmax * kmax];
    lo += Math.min(...prods);
    hi += Math.max(...prods);
  }
  return scale >= 0 ? { lo: scale * lo, hi: scale * hi } : { lo: scale * hi, hi: scale * lo };
}

/** Columns non-zero in some query and some key. */
export function activeQkColumns(Q: Float64Array, K: Float64Array, n: number, m: number): number[] {
  const cols: number[] = [];
  for (let c = 0; c < m; c++) {
    let q = false;
    let k = false;
    for (let i = 0; i < n && !(q && k); i++) {
      if (Q[i * m + c] !== 0) q = true;
      if (K[i * m + c] !== 0) k = true;
    }
    if (q && k) cols.push(c);
  }
  return cols;
}

/** What the engine would do on one head, before doing it (the arena reports this too). */
export interface PolyPlan {
  activeColumns: number[];
  lo: number;
  hi: number;
  halfWidth: number;
  degree: number;
  rank: number;
  /** a-priori relative error of one weight, ε(g) */
  errorBound: number;
  /** flops of the factorised product for this head (features + U₂ᵀ[V 1] + U₁(·)) */
  flops: number;
}

export function planPoly(Q: Float64Array, K: Float64Array, n: number, m: number, scale: number, o: PolyOptions): PolyPlan {
  const activeColumns = activeQkColumns(Q, K, n, m);
  const { lo, hi } = scoreRange(Q, K, n, m, scale, activeColumns);
  const halfWidth = (hi - lo) / 2;
  const degree = o.degree ?? degreeFor(halfWidth, o.error ?? 1 / (20 * n));
  const rank = Math.round(Math.exp(logRank(activeColumns.length + 1, degree)));
  return {
    activeColumns,
    lo,
    hi,
    halfWidth,
    degree,
    rank,
    errorBound: Math.exp(logErrorBound(halfWidth, degree)),
    flops: 4 * n * m + 2 * n * rank * 3 + 4 * n * rank * (m + 1) + 2 * n * (m + 1),
  };
}

/** P applied to the n×n scores (mode dense). */
function denseHead(hIn: Parameters<HeadAttention>[0], o: PolyOptions, cost: Cost): Float64Array {
  const { Q, K, V, n, m, scale, causal } = hIn;
  hIn.guard('the n×n scores (mode dense)', 8 * n * n);
  const S = new Float64Array(n * n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const nk = causal ? i + 1 : n;
    for (let j = 0; j < nk; j++) {
      let d = 0;
      for (let c = 0; c < m; c++) d += Q[i * m + c]! * K[j * m + c]!;
      const s = scale * d;
      S[i * n + j] = s;
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
  }
  const h = hi > lo ? (hi - lo) / 2 : 1;
  const c0 = (hi + lo) / 2;
  const g = o.degree ?? degreeFor(h, o.error ?? 1 / (20 * n));
  const cheb = chebyshevExpSeries(h, g, h); // e^{h(t−1)} ≤ 1: no overflow at any range
  const out = new Float64Array(n * m);
  const num = new Float64Array(m);
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    const nk = causal ? i + 1 : n;
    pairs += nk;
    num.fill(0);
    let den = 0;
    for (let j = 0; j < nk; j++) {
      const t = (S[i * n + j]! - c0) / h;
      // Clenshaw: Σ c_k T_k(t).
      let b1 = 0;
      let b2 = 0;
      for (let k = g; k >= 1; k--) {
        const b0 = cheb[k]! + 2 * t * b1 - b2;
        b2 = b1;
        b1 = b0;
      }
      const p = cheb[0]! + t * b1 - b2;
      den += p;
      for (let c = 0; c < m; c++) num[c]! += p * V[j * m + c]!;
    }
    for (let c = 0; c < m; c++) out[i * m + c] = num[c]! / den;
  }
  cost.flops += pairs * (4 * m + 4 * g + 4) + n * m;
  cost.exps += g + 1;
  return out;
}

export function polyAttention(o: PolyOptions): HeadAttention {
  return (hIn, _rng, cost: Cost) => {
    if (o.mode === 'dense') return denseHead(hIn, o, cost);
    const { Q, K, V, n, m, scale, causal } = hIn;
    const plan = planPoly(Q, K, n, m, scale, o);
    cost.flops += 4 * n * m;
    if (plan.rank > o.maxRank) {
      throw new UserError(
        `poly: layer ${hIn.layer} head ${hIn.head}: scores span [${plan.lo.toPrecision(4)}, ${plan.hi.toPrecision(4)}], so degree ${plan.degree} ` +
          `(relative weight error ≤ ${plan.errorBound.toExponential(1)}) needs rank C(${plan.activeColumns.length + 1}+${plan.degree}, ${plan.degree}) ≈ ${plan.rank.toExponential(2)} ` +
          `> max-rank ${o.maxRank}: about ${plan.flops.toExponential(2)} flops against the exact algorithm's ${(4 * n * n * m).toExponential(2)}; ` +
          'pass --engine-opt degree=… or maxRank=… to force it, or mode=dense',
      );
    }
    hIn.guard(`rank-${plan.rank} features`, 8 * plan.rank * (m + 8));
    const vars = plan.activeColumns.length + 1;
    const h = plan.halfWidth > 0 ? plan.halfWidth : 1;
    const c = (plan.lo + plan.hi) / 2;
    const coef = chebyshevExpCoefficients(h, plan.degree);
    const table = monomialTable(vars, plan.degree);
    const r = table.rank;
    const mv = m + 1;
    const x = new Float64Array(vars);
    const phi = new Float64Array(r);
    const psi = new Float64Array(r);
    const S = new Float64Array(r * mv); // Σ_j ψ(k_j) ⊗ [v_j, 1]
    const out = new Float64Array(n * m);
    const addKey = (j: number): void => {
      plan.activeColumns.forEach((col, t) => (x[t] = K[j * m + col]!));
      x[vars - 1] = 1;
      features(x, table, null, psi);
      for (let t = 0; t < r; t++) {
        const p = psi[t]!;
        if (p === 0) continue;
        const so = t * mv;
        for (let col = 0; col < m; col++) S[so + col]! += p * V[j * m + col]!;
        S[so + m]! += p;
      }
    };
    const readQuery = (i: number): void => {
      plan.activeColumns.forEach((col, t) => (x[t] = (scale * Q[i * m + col]!) / h));
      x[vars - 1] = -c / h;
      features(x, table, coef, phi);
      const num = new Float64Array(mv);
      for (let t = 0; t < r; t++) {
        const p = phi[t]!;
        if (p === 0) continue;
        const so = t * mv;
        for (let col = 0; col < mv; col++) num[col]! += p * S[so + col]!;
      }
      for (let col = 0; col < m; col++) out[i * m + col] = num[col]! / num[m]!;
    };
    sweepKeysAndQueries(n, causal, addKey, readQuery);
    cost.flops += plan.flops - 4 * n * m;
    return out;
  };
}

export function createPolyEngine(options: z.input<typeof PolyOptions>, ctx: EngineCtx): Engine {
  const o = PolyOptions.parse(options);
  return headwiseEngine({ name: 'poly', attend: polyAttention(o), causal: true, seed: ctx.seed, budget: ctx.budget });
}
