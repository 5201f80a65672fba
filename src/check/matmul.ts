import { formatRational, type Rational } from '../autodiff/scalar.js';
import type { OpStats } from '../autodiff/tape.js';
import { matmulBatchSizes, type MatmulBatch, type MatmulProducts } from '../problems/matmul-batch.js';
import { compareProducts, directMultiplicationOps, directProducts } from '../problems/matmul-batch-products.js';
import type { TransformerModel } from '../problems/transformer.js';
import type { Provenance } from '../provenance.js';
import { formatOrigin, formatStepSizes, type StepReport } from './steps.js';

/**
 * The products report of `seth check` on a matmul-batch instance (the large-embedding regime,
 * docs/model.md §4). The checker (run.ts) runs the chain like every other: it builds the transformer of
 * reductions/matmul-batch-to-transformer.ts (declared sizes planned, guarded and measured, target
 * stamped with provenance), solves it with the generic differentiator (forward and backward
 * passes), and maps the gradient back to every A_t·B_t plus the O(N²) correction. This file
 * compares them with direct multiplication (exactly, in rational mode) and reports.
 *
 * The numbers that carry the theorem: backwardOps / forwardOps (Baur–Strassen: a constant; here
 * about 2, and at most 5 for every shape), and the accounting "L·H products of size N from one
 * gradient of one (N+1)-token, width-N transformer".
 */
/** The Baur–Strassen constant the report checks the measured ratio against. */
const BAUR_STRASSEN_RATIO_LIMIT = 5;

export interface MatmulCheckReport {
  kind: 'products';
  problem: 'matmul-batch';
  /** Reduction ids of the chain, the steps' declared and measured sizes, the source's provenance. */
  chain: string[];
  steps: StepReport[];
  source: { provenance: Provenance | null };
  sourceSizes: Record<string, number>;
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

export type ProductsReport = MatmulCheckReport;

/** What the checker hands over once the chain has run, been solved and mapped back. */
export interface SolvedProducts {
  batch: MatmulBatch;
  chain: string[];
  steps: StepReport[];
  source: { provenance: Provenance | null };
  /** The reduction's target solution and backward result (types erased by the chain runner). */
  solution: unknown;
  recovered: unknown;
  target: unknown;
  rtol: number | undefined;
  /** performance.now() at the start, after solving, after mapping back. */
  t0: number;
  t1: number;
  t2: number;
}

/**
 * What the checker reads of the gradient solution and of the recovered products. The chain runner
 * erases types, and the checker does not import the reduction (reductions/ is a plugin folder):
 * these are the shapes it relies on, checked by the guards below.
 */
type MatmulGradientSolution = {
  forwardOps: number;
  backwardOps: number;
  opsByKind: Record<string, OpStats>;
  forwardMs: number;
  backwardMs: number;
  gradQ: unknown;
} & ({ arithmetic: 'rational'; f: Rational } | { arithmetic: 'float64'; f: number });
type MatmulRecovery = MatmulProducts & { readonly recoveryOps: number };

function isGradientSolution(x: unknown): x is MatmulGradientSolution {
  return typeof x === 'object' && x !== null && 'gradQ' in x && 'forwardOps' in x && 'backwardOps' in x;
}
function isRecovery(x: unknown): x is MatmulRecovery {
  return typeof x === 'object' && x !== null && 'products' in x && 'recoveryOps' in x;
}
function isModel(x: unknown): x is TransformerModel {
  return typeof x === 'object' && x !== null && 'tokens' in x && 'width' in x && 'weights' in x;
}

export function productsReport(p: SolvedProducts): MatmulCheckReport {
  const { batch: instance, solution, recovered, target } = p;
  if (!isGradientSolution(solution) || !isRecovery(recovered) || !isModel(target)) {
    throw new Error('internal: the matmul chain returned something other than a gradient, products and a model');
  }
  const t2 = p.t2;
  // Time direct multiplication on its own, then compare (the comparison recomputes it).
  const arithmetic = solution.arithmetic;
  directProducts(instance, arithmetic);
  const t3 = performance.now();
  const rtol = p.rtol ?? 1e-8;
  const cmp = compareProducts(instance, recovered, rtol);
  const t4 = performance.now();

  const N = instance.size;
  const layers = target.layers;
  const heads = target.heads;
  const opRatio = solution.backwardOps / solution.forwardOps;
  const f = solution.arithmetic === 'rational' ? formatRational(solution.f) : String(solution.f);
  return {
    kind: 'products',
    problem: 'matmul-batch',
    chain: p.chain,
    steps: p.steps,
    source: p.source,
    sourceSizes: matmulBatchSizes(instance),
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
      recoverMs: t2 - p.t1,
      directMs: t3 - t2,
      totalMs: t4 - p.t0,
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
    ['source', formatOrigin(r.source.provenance)],
    ['chain', r.chain.join(' → ')],
    ...r.steps.map((st): [string, string] => [`sizes ${st.reduction}`, formatStepSizes(st)]),
    ['transformer', `${r.tokens} tokens, width ${r.width}, ${r.layers} layer(s) × ${r.heads} head(s), W_Q = 0, W_K = B_t, W_V = A_tᵀ`],
    ['arithmetic', r.arithmetic === 'rational' ? 'exact rationals (BigInt); every exp is exp(0) = 1' : 'float64'],
    ['f = <C, X_L>', r.f],
    [
      'agree',
      `${r.agree ? 'yes' : 'NO'}: ${r.productsRecovered}/${r.count} products equal direct multiplication${r.exact ? ' exactly' : r.arithmetic === 'float64' ? ` (within ${r.rtol}·N·max|A|·max|B|)` : ''}`,
    ],
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
