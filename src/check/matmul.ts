import {
  matmulBatchReduction,
  type MatmulGradientSolution,
  type MatmulRecovery,
} from '../../reductions/matmul-batch-to-transformer.js';
import { formatRational } from '../autodiff/scalar.js';
import type { OpStats } from '../autodiff/tape.js';
import { makeHeadProbe } from '../engine/probe.js';
import { defaultBudget, guardMemory, type MemoryBudget } from '../memory.js';
import {
  compareProducts,
  directMultiplicationOps,
  directProducts,
  isExactInstance,
  resolveLayout,
  validateMatmulBatch,
  type MatmulBatch,
} from '../problems/matmul-batch.js';

/**
 * `seth check` on a matmul-batch instance (the large-embedding regime, model.md §4): build the
 * transformer of reductions/matmul-batch-to-transformer.ts, run the generic differentiator's
 * forward and backward passes, recover every A_t·B_t from ∂f/∂W_Q^t plus the O(N²) correction,
 * and compare with direct multiplication (exactly, in rational mode).
 *
 * The numbers that carry the theorem: backwardOps / forwardOps (Baur–Strassen: a constant; here
 * about 2, and at most 5 for every shape), and the accounting "L·H products of size N from one
 * gradient of one (N+1)-token, width-N transformer".
 */
export interface MatmulCheckOptions {
  layers?: number | undefined;
  heads?: number | undefined;
  /** Arithmetic of the differentiator; default: rational for integer/rational entries, else float64. */
  numberType?: 'rational' | 'float64' | undefined;
  budget?: MemoryBudget | undefined;
  /** float64 tolerance: |recovered − direct| ≤ rtol·max(1, N·max|A|·max|B|) (default 1e-8). */
  rtol?: number | undefined;
}

/** The Baur–Strassen constant the report checks the measured ratio against. */
export const BAUR_STRASSEN_RATIO_LIMIT = 5;

export interface MatmulCheckReport {
  problem: 'matmul-batch';
  /** Every recovered product equals direct multiplication (exactly in rational mode). */
  agree: boolean;
  /** The comparison was exact rational equality (and held). */
  exact: boolean;
  arithmetic: 'rational' | 'float64';
  count: number;
  size: number;
  layers: number;
  heads: number;
  tokens: number;
  width: number;
  /** Products that agree with direct multiplication, of `count`. */
  productsRecovered: number;
  /** f = ⟨C, X_L⟩ (= N by the derivation). */
  f: string;
  /** Scalar operations of the transformer's forward pass (X_L and f). */
  forwardOps: number;
  /** Scalar operations of the backward pass (the whole gradient). */
  backwardOps: number;
  /** backwardOps / forwardOps. */
  opRatio: number;
  /** (forwardOps + backwardOps) / forwardOps: the gradient's cost in forward passes. */
  gradientCostRatio: number;
  ratioLimit: number;
  ratioWithinLimit: boolean;
  /** Scalar operations of the O(N²) corrections. */
  recoveryOps: number;
  /** Scalar operations of direct multiplication of every pair (count·N²·(2N−1)). */
  directOps: number;
  /** Largest |recovered − direct| (0 when exact). */
  maxAbsError: number;
  /** maxAbsError / max(1, N·max|A|·max|B|). */
  maxRelError: number;
  rtol: number;
  firstMismatch?: { pair: number; row: number; col: number; recovered: string; direct: string } | undefined;
  opsByKind: Record<string, OpStats>;
  timings: { forwardMs: number; backwardMs: number; recoverMs: number; directMs: number; totalMs: number };
  /** The theorem's accounting, in one sentence. */
  accounting: string;
}

/** Rough bytes of the tape: per head about 6·n·m + 4·n² + 3·m² entries, values and gradients. */
function tapeBytes(count: number, N: number, rationalMode: boolean): number {
  const n = N + 1;
  const entries = count * (6 * n * N + 4 * n * n + 3 * N * N) + 4 * n * N;
  return 2 * entries * (rationalMode ? 160 : 16);
}

export async function checkMatmulBatch(instance: MatmulBatch, options: MatmulCheckOptions = {}): Promise<MatmulCheckReport> {
  const t0 = performance.now();
  validateMatmulBatch(instance);
  const { layers, heads } = resolveLayout(instance.count, options, instance);
  const arithmetic = options.numberType ?? (isExactInstance(instance) ? 'rational' : 'float64');
  const budget = options.budget ?? defaultBudget();
  guardMemory(
    `differentiating the ${layers}-layer ${heads}-head transformer of ${instance.count} pairs of ${instance.size}×${instance.size} matrices (${arithmetic})`,
    tapeBytes(instance.count, instance.size, arithmetic === 'rational'),
    budget,
  );
  const opts = { layers, heads, numberType: arithmetic };
  const r = matmulBatchReduction;
  const { target, meta } = r.forward(instance, opts);
  const solution: MatmulGradientSolution = await r.solveTarget!(target, meta, opts);
  const t1 = performance.now();
  const recovered: MatmulRecovery = r.backward(
    { source: instance, target, meta, options: opts, solution },
    { budget, probe: makeHeadProbe() },
  );
  const t2 = performance.now();
  // Time direct multiplication on its own, then compare (the comparison recomputes it).
  directProducts(instance, arithmetic);
  const t3 = performance.now();
  const rtol = options.rtol ?? 1e-8;
  const cmp = compareProducts(instance, recovered, rtol);
  const t4 = performance.now();

  const N = instance.size;
  const opRatio = solution.backwardOps / solution.forwardOps;
  const f = solution.arithmetic === 'rational' ? formatRational(solution.f) : String(solution.f);
  return {
    problem: 'matmul-batch',
    agree: cmp.agree,
    exact: cmp.exact && cmp.agree,
    arithmetic,
    count: instance.count,
    size: N,
    layers,
    heads,
    tokens: target.tokens,
    width: target.width,
    productsRecovered: cmp.agreeing,
    f,
    forwardOps: solution.forwardOps,
    backwardOps: solution.backwardOps,
    opRatio,
    gradientCostRatio: (solution.forwardOps + solution.backwardOps) / solution.forwardOps,
    ratioLimit: BAUR_STRASSEN_RATIO_LIMIT,
    ratioWithinLimit: opRatio <= BAUR_STRASSEN_RATIO_LIMIT,
    recoveryOps: recovered.recoveryOps,
    directOps: directMultiplicationOps(instance.count, N),
    maxAbsError: cmp.maxAbsError,
    maxRelError: cmp.maxRelError,
    rtol: cmp.rtol,
    firstMismatch: cmp.firstMismatch,
    opsByKind: solution.opsByKind,
    timings: {
      forwardMs: solution.forwardMs,
      backwardMs: solution.backwardMs,
      recoverMs: t2 - t1,
      directMs: t3 - t2,
      totalMs: t4 - t0,
    },
    accounting:
      `${instance.count} = L·H = ${layers}·${heads} product${instance.count === 1 ? '' : 's'} of ${N}×${N} matrices recovered from one gradient of one ` +
      `${target.tokens}-token, width-${N}, ${layers}-layer ${heads}-head transformer: gradient = ` +
      `${((solution.forwardOps + solution.backwardOps) / solution.forwardOps).toFixed(2)} forward passes, ` +
      `plus ${recovered.recoveryOps} operations of O(L·H·N²) correction. So a circuit computing the transformer ` +
      `with s operations yields all products in O(s) + O(L·H·N²) operations: s ≥ L·H·N^(ω−o(1)).`,
  };
}

function fmtInt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

function fmtMs(x: number): string {
  return x < 10 ? `${x.toFixed(2)} ms` : `${Math.round(x)} ms`;
}

/** Human-readable report (a two-column table, then the accounting). */
export function formatMatmulReport(r: MatmulCheckReport): string {
  const rows: [string, string][] = [
    ['problem', `matmul-batch: ${r.count} pair${r.count === 1 ? '' : 's'} of ${r.size}×${r.size} matrices`],
    ['transformer', `${r.tokens} tokens, width ${r.width}, ${r.layers} layer(s) × ${r.heads} head(s), W_Q = 0, W_K = B_t, W_V = A_tᵀ`],
    ['arithmetic', r.arithmetic === 'rational' ? 'exact rationals (BigInt); every exp is exp(0) = 1' : 'float64'],
    ['f = <C, X_L>', r.f],
    ['agree', `${r.agree ? 'yes' : 'NO'}: ${r.productsRecovered}/${r.count} products equal direct multiplication${r.exact ? ' exactly' : r.arithmetic === 'float64' ? ` (within ${r.rtol}·N·max|A|·max|B|)` : ''}`],
    ['exact', r.exact ? 'yes' : 'no'],
  ];
  if (r.arithmetic === 'float64' || !r.agree) {
    rows.push(['max abs error', `${r.maxAbsError.toExponential(2)} (relative ${r.maxRelError.toExponential(2)})`]);
  }
  if (r.firstMismatch) {
    const m = r.firstMismatch;
    rows.push(['first mismatch', `pair ${m.pair}, entry (${m.row}, ${m.col}): recovered ${m.recovered}, direct ${m.direct}`]);
  }
  rows.push(
    ['forward ops', fmtInt(r.forwardOps)],
    ['backward ops', fmtInt(r.backwardOps)],
    ['backward/forward', `${r.opRatio.toFixed(3)} (Baur–Strassen: a constant; limit ${r.ratioLimit}: ${r.ratioWithinLimit ? 'within' : 'EXCEEDED'})`],
    ['recovery ops', `${fmtInt(r.recoveryOps)} (O(L·H·N²) corrections)`],
    ['direct mult. ops', `${fmtInt(r.directOps)} (L·H·N²·(2N−1), for comparison)`],
    [
      'time',
      `forward ${fmtMs(r.timings.forwardMs)}, backward ${fmtMs(r.timings.backwardMs)}, recover ${fmtMs(r.timings.recoverMs)}, ` +
        `direct ${fmtMs(r.timings.directMs)}, total ${fmtMs(r.timings.totalMs)}`,
    ],
  );
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
  lines.push('', r.accounting);
  return `${lines.join('\n')}\n`;
}
