import { RATIONAL, rational, type Rational } from '../../src/autodiff/scalar.js';
import type { ProductsReport } from '../../src/check/matmul.js';
import { checkInstance, type CheckOptions } from '../../src/check/run.js';
import type { MemoryBudget } from '../../src/memory.js';
import type { ExactPair, MatmulBatch } from '../../src/problems/matmul-batch.js';

/** The options of `seth check` on a matmul batch, as the tests pass them. */
export interface MatmulCheckOptions extends Pick<CheckOptions, 'reductions'> {
  layers?: number | undefined;
  heads?: number | undefined;
  /** Arithmetic of the differentiator; default: rational for integer/rational entries, else float64. */
  numberType?: 'rational' | 'float64' | undefined;
  budget?: MemoryBudget | undefined;
  /** float64 tolerance: |recovered − direct| ≤ rtol·max(1, N·max|A|·max|B|) (default 1e-8). */
  rtol?: number | undefined;
}

/** `seth check` on a matmul batch, from code: the products report of its chain (the product's own path, checkInstance). */
export async function checkMatmulBatch(batch: MatmulBatch, options: MatmulCheckOptions): Promise<ProductsReport> {
  const r = await checkInstance(
    { problem: 'matmul-batch', data: batch },
    {
      reductions: options.reductions,
      layers: options.layers,
      heads: options.heads,
      budget: options.budget,
      rtol: options.rtol,
      reductionOptions: options.numberType ? { numberType: options.numberType } : {},
    },
  );
  if (r.kind !== 'products') throw new Error('internal: a matmul batch gave a decision report');
  return r;
}

/**
 * ∂f/∂W_Q^t predicted by the derivation in reductions/matmul-batch-to-transformer.ts:
 * (s/n)·A_t(I − J/n)B_t, exactly. Written out independently of the reduction's recovery, so the
 * tests can hold the differentiator's gradient to it.
 */
export function predictedGradQ(pair: ExactPair, N: number, scale: Rational = rational(1)): Rational[] {
  const F = RATIONAL;
  const n = rational(N + 1);
  const out: Rational[] = [];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let ab = F.zero;
      let a1 = F.zero;
      let b1 = F.zero;
      for (let k = 0; k < N; k++) {
        ab = F.add(ab, F.mul(pair.A[i * N + k]!, pair.B[k * N + j]!));
        a1 = F.add(a1, pair.A[i * N + k]!);
        b1 = F.add(b1, pair.B[k * N + j]!);
      }
      out.push(F.mul(F.div(scale, n), F.sub(ab, F.div(F.mul(a1, b1), n))));
    }
  }
  return out;
}
