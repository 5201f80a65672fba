/**
 * matmul-batch-to-transformer — the large-embedding regime (m = N) of arXiv 2603.11332: one
 * gradient of one L-layer, H-head transformer contains L·H independent N×N matrix products, so by
 * Baur–Strassen (reverse mode costs a constant factor more than the forward pass) any arithmetic
 * circuit computing the transformer needs L·H·N^{ω−o(1)} operations. Construction as in
 * docs/model.md §4; weights as given there.
 *
 * Construction (n = N + 1 tokens, width m = N, scale s = 1, residual on, identity MLP):
 *
 *     X_0 = [I_N ; 0ᵀ]      head t = ℓ·H + h:  W_Q^t = 0,  W_K^t = B_t,  W_V^t = A_tᵀ
 *     f(X_0, W) = ⟨C, X_L⟩   C = [I_N ; −1ᵀ]     (every column of C sums to 0: 1ᵀC = 0)
 *
 * Derivation of ∂f/∂W_Q^t (verified exactly in rational arithmetic by test/matmul-batch.test.ts
 * for every head of every layer; the formula of docs/model.md §4 is right, here with the scale s kept):
 *
 *  1. Forward. W_Q = 0 makes every logit 0, so every attention matrix is P = J/n (each exp is
 *     taken at 0) and a head outputs (1/n)·J·X·W_V, a matrix whose rows are all equal. Hence
 *     X_ℓ = X_0 + 1·r_ℓᵀ for some row vector r_ℓ: the residual stream only ever adds
 *     row-constant matrices, and f = ⟨C, X_0⟩ + (1ᵀC)·r_L = tr(I_N) = N.
 *
 *  2. Backward through one head, at upstream gradient G (= ∂f/∂(head output)), input X:
 *       dV = Pᵀ G = (1/n)·J·G,          dP = G Vᵀ,
 *       dS = P ∘ (dP − rowsum(P ∘ dP)·1ᵀ) = (1/n)·dP·(I − J/n)        (softmax at P = J/n),
 *       dQ = s·dS·K,   dK = s·dSᵀ·Q = 0  (Q = X·W_Q = 0),
 *       dW_Q = Xᵀ dQ = (s/n)·Xᵀ G Vᵀ (I − J/n) K.
 *
 *  3. The gradient at every layer is C. ∂f/∂X_L = C. If ∂f/∂X_ℓ = G with 1ᵀG = 0, then through
 *     layer ℓ: dV = (1/n)·J·G = 0, so no gradient reaches X via V or W_V; none via K (dK = 0) and
 *     none via Q (dQ·W_Qᵀ = 0 as W_Q = 0). Only the residual passes G on: ∂f/∂X_{ℓ−1} = G.
 *     By induction ∂f/∂X_ℓ = C for every ℓ, so every head, in every layer, sees G = C.
 *
 *  4. The row-constant drift cancels. With X = X_{ℓ−1} = X_0 + 1·rᵀ:
 *       Xᵀ C = X_0ᵀ C + r·(1ᵀC) = X_0ᵀ C = [I_N, 0]·[I_N ; −1ᵀ] = I_N,
 *       (I − J/n)·X = (I − J/n)·X_0              (as (I − J/n)·1 = 0), so with V = X·W_V, K = X·W_K,
 *       Vᵀ(I − J/n)K = W_Vᵀ·X_0ᵀ(I − J/n)X_0·W_K  ((I − J/n) is symmetric and idempotent),
 *       X_0ᵀ(I − J/n)X_0 = I_N − (1/n)·(X_0ᵀ1)(1ᵀX_0) = I_N − J_N/n.
 *     Therefore, for every layer and head,
 *
 *       ∂f/∂W_Q^t = (s/n)·A_t·(I_N − J_N/n)·B_t,
 *       A_t·B_t   = (n/s)·∂f/∂W_Q^t + (1/n)·(A_t·1)(1ᵀ·B_t)        (s = 1 here),
 *
 *     the correction being an outer product of row sums of A_t and column sums of B_t: O(N²).
 *     The later layers' drift (earlier heads' outputs in X_{ℓ−1}) does not enter, so no
 *     layer-by-layer correction is needed and recovery is exact over the rationals.
 *
 * Also: ∂f/∂W_K^t = ∂f/∂W_V^t = 0 and ∂f/∂X_0 = C (what the tests check besides the products).
 *
 * solveTarget runs the generic reverse-mode differentiator (src/autodiff/) on the target: exact
 * rationals for integer and rational instances (each exp is exp(0) = 1, so everything is rational;
 * rational instances use their exact entries, kept in meta), float64 otherwise.
 */
import { z } from 'zod';
import { F64, RATIONAL, type Rational, type Scalar } from '../src/autodiff/scalar.js';
import type { OpStats } from '../src/autodiff/tape.js';
import { paramsFromModel, transformerGradient, type TransformerParams } from '../src/autodiff/transformer-grad.js';
import { exactPairs, isExactInstance, resolveLayout, type ExactPair, type MatmulBatch, type MatmulProducts } from '../src/problems/matmul-batch.js';
import { validateMatmulBatch } from '../src/problems/matmul-batch-json.js';
import { guardMemory } from '../src/memory.js';
import type { HeadWeights, TransformerModel } from '../src/problems/transformer.js';
import { defineReduction, type Reduction } from '../src/reduction/types.js';
import { reductionOption } from '../src/reduction/options.js';
import { headsOption, layersOption } from './gadgets/options.js';

const Options = z.object({
  layers: layersOption,
  heads: headsOption,
  numberType: reductionOption(z.enum(['auto', 'rational', 'float64']), {
    help: 'matmul-batch: exact rationals (integer/rational inputs) or float64 (auto: rational when every entry is)',
    flag: 'arithmetic',
  }),
});
export type MatmulReductionOptions = z.infer<typeof Options>;

export interface MatmulReductionMeta {
  layers: number;
  heads: number;
  size: number;
  /** Exact entries of rational instances (the model holds their nearest doubles); null otherwise. */
  exact: ExactPair[] | null;
  /** Whether every entry is an integer or an exact rational (the default arithmetic is then rational). */
  exactInstance: boolean;
}

interface GradientStats {
  /** Scalar operations of the forward pass (X_L and f = ⟨C, X_L⟩). */
  forwardOps: number;
  /** Scalar operations of the backward pass (the whole gradient: X_0 and every W_Q, W_K, W_V). */
  backwardOps: number;
  opsByKind: Record<string, OpStats>;
  forwardMs: number;
  backwardMs: number;
}

/** What the target is solved into: f and ∂f/∂W_Q^t for every head t = ℓ·H + h (N×N each). */
export type MatmulGradientSolution =
  | ({ arithmetic: 'rational'; f: Rational; gradQ: Rational[][] } & GradientStats)
  | ({ arithmetic: 'float64'; f: number; gradQ: Float64Array[] } & GradientStats);

/** The recovered products, and the scalar operations the O(N²) corrections took. */
export type MatmulRecovery = MatmulProducts & { readonly recoveryOps: number };

/** C = [I_N ; −1ᵀ] (n×N). */
export function readoutMatrix<T>(F: Scalar<T>, N: number): T[] {
  const C = new Array<T>((N + 1) * N).fill(F.zero);
  for (let i = 0; i < N; i++) C[i * N + i] = F.one;
  const minusOne = F.neg(F.one);
  for (let j = 0; j < N; j++) C[N * N + j] = minusOne;
  return C;
}

function transposed<T>(a: ArrayLike<T>, N: number): T[] {
  const out = new Array<T>(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[j * N + i] = a[i * N + j]!;
  return out;
}

/** The target in a scalar type: the model's shape with the construction's weights. */
function constructionParams<T>(F: Scalar<T>, pairs: readonly { A: ArrayLike<T>; B: ArrayLike<T> }[], N: number, L: number, H: number): TransformerParams<T> {
  const n = N + 1;
  const X = new Array<T>(n * N).fill(F.zero);
  for (let i = 0; i < N; i++) X[i * N + i] = F.one;
  const zero = new Array<T>(N * N).fill(F.zero);
  return {
    tokens: n,
    width: N,
    layers: L,
    heads: H,
    scale: F.one,
    residual: true,
    X,
    weights: Array.from({ length: L }, (_, l) =>
      Array.from({ length: H }, (_, h) => {
        const p = pairs[l * H + h]!;
        return { Q: zero, K: Array.from(p.B), V: transposed(p.A, N) };
      }),
    ),
    mlp: new Array<null>(L).fill(null),
  };
}

/**
 * A_t·B_t = (n/s)·G_t + (1/n)·(A_t·1)(1ᵀ·B_t) for every t, in any scalar type. Counts its own
 * operations: 2·N(N−1) for the row and column sums, 4 per entry, 1 for n/s.
 */
export function recoverProducts<T>(
  F: Scalar<T>,
  pairs: readonly { A: ArrayLike<T>; B: ArrayLike<T> }[],
  gradQ: readonly ArrayLike<T>[],
  N: number,
  scale: T,
): { products: T[][]; ops: number } {
  const n = F.fromNumber(N + 1);
  const nOverS = F.div(n, scale);
  let ops = 1;
  const products = pairs.map((p, t) => {
    const G = gradQ[t]!;
    const rowSumA = new Array<T>(N);
    const colSumB = new Array<T>(N);
    for (let i = 0; i < N; i++) {
      let a: T = p.A[i * N]!;
      let b: T = p.B[i]!;
      for (let k = 1; k < N; k++) {
        a = F.add(a, p.A[i * N + k]!);
        b = F.add(b, p.B[k * N + i]!);
      }
      rowSumA[i] = a;
      colSumB[i] = b;
    }
    const P = new Array<T>(N * N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        P[i * N + j] = F.add(F.mul(nOverS, G[i * N + j]!), F.div(F.mul(rowSumA[i]!, colSumB[j]!), n));
      }
    }
    ops += 2 * N * (N - 1) + 4 * N * N;
    return P;
  });
  return { products, ops };
}

/** Rough bytes of the tape: per head about 6·n·m + 4·n² + 3·m² entries, values and gradients. */
function tapeBytes(count: number, N: number, rationalMode: boolean): number {
  const n = N + 1;
  const entries = count * (6 * n * N + 4 * n * n + 3 * N * N) + 4 * n * N;
  return 2 * entries * (rationalMode ? 160 : 16);
}

export const matmulBatchReduction: Reduction<
  MatmulBatch,
  TransformerModel,
  MatmulRecovery,
  MatmulGradientSolution,
  MatmulReductionOptions,
  MatmulReductionMeta
> = {
  id: 'matmul-batch-to-transformer',
  source: 'matmul-batch',
  target: 'transformer',
  title: 'L·H matrix products → the gradient of one L-layer H-head transformer (large embedding, m = N)',
  reference:
    'Saha, Xu, Ye, Yu, On the Computational Hardness of Transformers, arXiv 2603.11332 (large-embedding theorem); ' +
    'Baur–Strassen 1983; weights: docs/model.md §4',
  optionsSchema: Options,
  params: (s, opts) => {
    const suggested = { layers: s.layers || undefined, heads: s.heads || undefined };
    const { layers, heads } = resolveLayout(s.count!, opts, suggested);
    return { count: s.count!, size: s.size!, layers, heads, maxAbs: s.maxAbs! };
  },
  overhead: { tokens: 'size + 1', width: 'size', layers: 'layers', heads: 'heads', maxAbsEntry: 'max(1, maxAbs)' },
  forward(b, opts) {
    validateMatmulBatch(b);
    const { layers: L, heads: H } = resolveLayout(b.count, opts, b);
    const N = b.size;
    const n = N + 1;
    const X = new Float64Array(n * N);
    for (let i = 0; i < N; i++) X[i * N + i] = 1;
    const weights: HeadWeights[][] = Array.from({ length: L }, (_, l) =>
      Array.from({ length: H }, (_, h) => {
        const p = b.pairs[l * H + h]!;
        return { Q: new Float64Array(N * N), K: Float64Array.from(p.B), V: Float64Array.from(transposed(p.A, N)) };
      }),
    );
    const target: TransformerModel = {
      kind: 'transformer',
      tokens: n,
      width: N,
      layers: L,
      heads: H,
      scale: 1,
      residual: true,
      X,
      weights,
      mlp: new Array<null>(L).fill(null),
      annotations: {
        construction: 'matmul-batch-to-transformer (docs/model.md §4): X_0 = [I_N; 0], W_Q = 0, W_K = B_t, W_V = A_tᵀ',
        readout: 'f = <C, X_L>, C = [I_N; -1ᵀ] (rows 0..N-1: identity, row N: all -1)',
        headOrder: 'pair t = layer·heads + head',
        recovery: 'A_t·B_t = (n/s)·∂f/∂W_Q^t + (1/n)·(A_t·1)(1ᵀ·B_t), n = N + 1, s = scale = 1',
        pairs: b.count,
        size: N,
      },
    };
    if (b.provenance) target.provenance = b.provenance;
    return {
      target,
      meta: { layers: L, heads: H, size: N, exact: b.numberType === 'rational' ? exactPairs(b) : null, exactInstance: isExactInstance(b) },
    };
  },
  solveTarget(target, meta, opts, ctx) {
    const arithmetic = opts.numberType === undefined || opts.numberType === 'auto' ? (meta.exactInstance ? 'rational' : 'float64') : opts.numberType;
    const N = meta.size;
    guardMemory(
      `differentiating the ${meta.layers}-layer ${meta.heads}-head transformer of ${meta.layers * meta.heads} pairs of ${N}×${N} matrices (${arithmetic})`,
      tapeBytes(meta.layers * meta.heads, N, arithmetic === 'rational'),
      ctx.budget,
    );
    const gradQ = <T>(dW: { Q: T[] }[][]): T[][] => dW.flatMap((layer) => layer.map((w) => w.Q));
    if (arithmetic === 'rational') {
      // Rational instances: the exact entries (the model holds rounded doubles); otherwise the
      // model's doubles, which are exactly its integers (or dyadic rationals).
      const params = meta.exact ? constructionParams(RATIONAL, meta.exact, N, meta.layers, meta.heads) : paramsFromModel(target, RATIONAL);
      const g = transformerGradient(RATIONAL, params, readoutMatrix(RATIONAL, N));
      return Promise.resolve({ arithmetic, f: g.f, gradQ: gradQ(g.dW), ...stats(g) });
    }
    const g = transformerGradient(F64, paramsFromModel(target, F64), readoutMatrix(F64, N));
    return Promise.resolve({ arithmetic, f: g.f, gradQ: gradQ(g.dW).map((q) => Float64Array.from(q)), ...stats(g) });
  },
  backward({ source, target, solution }) {
    const N = source.size;
    if (solution.gradQ.length !== source.count) {
      throw new Error(`internal: ${solution.gradQ.length} gradients for ${source.count} pairs`);
    }
    if (solution.arithmetic === 'rational') {
      const r = recoverProducts(RATIONAL, exactPairs(source), solution.gradQ, N, RATIONAL.fromNumber(target.scale));
      return { arithmetic: 'rational', products: r.products, recoveryOps: r.ops };
    }
    const pairs = source.pairs.map((p) => ({ A: Array.from(p.A), B: Array.from(p.B) }));
    const r = recoverProducts(F64, pairs, solution.gradQ, N, target.scale);
    return { arithmetic: 'float64', products: r.products.map((P) => Float64Array.from(P)), recoveryOps: r.ops };
  },
};

function stats(g: { forwardOps: number; backwardOps: number; opsByKind: Record<string, OpStats>; forwardMs: number; backwardMs: number }): GradientStats {
  return { forwardOps: g.forwardOps, backwardOps: g.backwardOps, opsByKind: g.opsByKind, forwardMs: g.forwardMs, backwardMs: g.backwardMs };
}

export const matmulBatchToTransformer = defineReduction(matmulBatchReduction);
