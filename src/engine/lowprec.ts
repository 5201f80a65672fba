import type { z } from 'zod';
import { UserError } from '../errors.js';
import { kvGroupsViolation, type TransformerModel } from '../problems/transformer.js';
import { exactAttentionCost } from './cost.js';
import { isCausal, type Cost } from './headwise.js';
import { FORMATS, roundTo, type MiniFloat } from './minifloat.js';
import type { Engine, EvalOptions, EvalResult } from './types.js';
import { LowprecOptions } from './engine-options.js';

/**
 * Exact attention computed in low precision: the reference algorithm with every stored value
 * rounded to a small floating-point format (src/engine/minifloat.ts: fp16, bf16, fp8 E4M3/E5M2,
 * emulated bit-exactly, round-to-nearest-even, subnormals, overflow as stated there):
 *  - inputs: X and every weight are rounded to the format;
 *  - projections Q, K, V, the MLP and the residual stream: each product and each partial sum is
 *    rounded to the accumulator format, each result to the format;
 *  - scores: s_ij = ⌊s·⟨q_i, k_j⟩⌉, shifted d_ij = ⌊s_ij − max_j s_ij⌉, weights e_ij = ⌊exp(d_ij)⌉,
 *    row sum accumulated, probabilities p_ij = ⌊e_ij / Σ_j e_ij⌉, output ⌊Σ_j p_ij v_j⌉.
 * ⌊·⌉ = rounding to the format. `accumulate` = same (every partial sum in the format; the
 * default) or f32 (the mixed precision of tensor cores: fp16/bf16/fp8 products summed in float32).
 * The arithmetic is the exact algorithm's (cost reported as exact's). Exact limit: format f64.
 * Causal models: keys j ≤ i. Grouped-query models: every head carries its group's W_K, W_V, so
 * projecting per head computes the same values.
 */
export type LowprecOptions = z.infer<typeof LowprecOptions>;

type Round = (x: number) => number;

const identity: Round = (x) => x;

function roundFn(f: MiniFloat | null): Round {
  return f ? (x) => roundTo(x, f) : identity;
}

/** Y = X·W (rows×k times k×cols), products and partial sums rounded by acc, results by out. */
function matmulRounded(X: Float64Array, rows: number, k: number, W: Float64Array, cols: number, acc: Round, out: Round): Float64Array {
  const Y = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s = acc(s + acc(X[i * k + t]! * W[t * cols + j]!));
      Y[i * cols + j] = out(s);
    }
  }
  return Y;
}

export function evaluateLowprec(o: LowprecOptions, model: TransformerModel, options: EvalOptions = {}): EvalResult & { cost: Cost } {
  const fmt = o.format === 'f64' ? null : FORMATS[o.format];
  const R = roundFn(fmt);
  const A = o.accumulate === 'f32' && fmt ? roundFn(FORMATS.f32) : R;
  const { tokens: n, width: m, layers: L, heads: H } = model;
  const violation = kvGroupsViolation(model);
  if (violation) throw new UserError(violation);
  const causal = isCausal(model);
  const rnd = (a: Float64Array): Float64Array => a.map(R);
  let X = rnd(model.X);
  const perHead: Float64Array[][] | undefined = options.perHead ? [] : undefined;
  let done = 0;
  const scores = new Float64Array(n);
  for (let l = 0; l < L; l++) {
    const Y = model.residual ? Float64Array.from(X) : new Float64Array(n * m);
    const layerHeads: Float64Array[] = [];
    for (let h = 0; h < H; h++) {
      const w = model.weights[l]![h]!;
      const Q = matmulRounded(X, n, m, rnd(w.Q), m, A, R);
      const K = matmulRounded(X, n, m, rnd(w.K), m, A, R);
      const V = matmulRounded(X, n, m, rnd(w.V), m, A, R);
      const scale = R(model.scale);
      const out = new Float64Array(n * m);
      for (let i = 0; i < n; i++) {
        const nk = causal ? i + 1 : n;
        let mx = -Infinity;
        for (let j = 0; j < nk; j++) {
          let d = 0;
          for (let c = 0; c < m; c++) d = A(d + A(Q[i * m + c]! * K[j * m + c]!));
          const s = R(scale * R(d));
          scores[j] = s;
          if (s > mx) mx = s;
        }
        let sum = 0;
        for (let j = 0; j < nk; j++) {
          const e = R(Math.exp(R(scores[j]! - mx)));
          scores[j] = e;
          sum = A(sum + e);
        }
        const z = R(sum);
        for (let j = 0; j < nk; j++) scores[j] = R(scores[j]! / z);
        for (let c = 0; c < m; c++) {
          let s = 0;
          for (let j = 0; j < nk; j++) s = A(s + A(scores[j]! * V[j * m + c]!));
          out[i * m + c] = R(s);
        }
      }
      for (let i = 0; i < Y.length; i++) Y[i] = R(Y[i]! + out[i]!);
      if (perHead) layerHeads.push(out);
      options.onProgress?.(++done, L * H);
    }
    perHead?.push(layerHeads);
    const p = model.mlp[l];
    if (p) {
      const Hd = matmulRounded(Y, n, m, rnd(p.W1), p.hidden, A, R);
      for (let i = 0; i < n; i++) for (let j = 0; j < p.hidden; j++) Hd[i * p.hidden + j] = Math.max(0, R(Hd[i * p.hidden + j]! + R(p.b1[j]!)));
      const Out = matmulRounded(Hd, n, p.hidden, rnd(p.W2), m, A, R);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) Out[i * m + j] = R(Out[i * m + j]! + R(p.b2[j]!));
      X = Out;
    } else {
      X = Y;
    }
  }
  const result: EvalResult & { cost: Cost } = { output: X, engine: 'lowprec', dtype: 'f64', cost: exactAttentionCost(model) }; // the exact algorithm's arithmetic, in another format
  if (perHead) result.perHead = perHead;
  return result;
}

export function createLowprecEngine(options: z.input<typeof LowprecOptions>): Engine {
  const o = LowprecOptions.parse(options);
  return {
    name: 'lowprec',
    dtype: 'f64',
    evaluate: async (model, options) => evaluateLowprec(o, model, options),
  };
}
