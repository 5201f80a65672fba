import { F64, RATIONAL, formatRational, rationalToNumber, type Rational, type Scalar } from '../autodiff/scalar.js';
import { exactPairs, isExactInstance, type MatmulBatch, type MatmulProducts } from './matmul-batch.js';

/** Direct multiplication of a matmul batch (the oracle) and the comparison of claimed products with it. */

/** A·B for N×N row-major matrices in any scalar type: N²·(2N − 1) operations. */
export function multiplySquare<T>(F: Scalar<T>, A: readonly T[] | Float64Array, B: readonly T[] | Float64Array, N: number): T[] {
  const a = A as ArrayLike<T>;
  const b = B as ArrayLike<T>;
  const out = new Array<T>(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let acc: T = F.mul(a[i * N]!, b[j]!);
      for (let k = 1; k < N; k++) acc = F.add(acc, F.mul(a[i * N + k]!, b[k * N + j]!));
      out[i * N + j] = acc;
    }
  }
  return out;
}

/** Scalar operations of direct multiplication of every pair: count·N²·(2N − 1). */
export function directMultiplicationOps(count: number, N: number): number {
  return count * N * N * (2 * N - 1);
}

/** Every A_t·B_t by direct multiplication: exact rationals (default for integer/rational instances) or float64. */
export function directProducts(b: MatmulBatch, arithmetic: 'rational' | 'float64' = isExactInstance(b) ? 'rational' : 'float64'): MatmulProducts {
  const N = b.size;
  if (arithmetic === 'rational') {
    return { arithmetic, products: exactPairs(b).map((p) => multiplySquare(RATIONAL, p.A, p.B, N)) };
  }
  return { arithmetic, products: b.pairs.map((p) => Float64Array.from(multiplySquare(F64, Array.from(p.A), Array.from(p.B), N))) };
}

export interface ProductComparison {
  /** Every product agrees: exactly (rational) or within the tolerance (float64). */
  agree: boolean;
  /** The comparison was exact equality of rationals. */
  exact: boolean;
  /** Products that agree. */
  agreeing: number;
  /** Largest |recovered − direct| over all entries (0 when exact and equal). */
  maxAbsError: number;
  /** maxAbsError relative to the error scale N·max|A|·max|B| (float64 mode). */
  maxRelError: number;
  /** float64 tolerance used: |error| ≤ rtol·max(1, N·max|A|·max|B|). */
  rtol: number;
  firstMismatch?: { pair: number; row: number; col: number; recovered: string; direct: string } | undefined;
}

/**
 * Compares claimed products with direct multiplication. Rational claims are compared exactly with
 * the exact products; float64 claims with the float64 products, within rtol·max(1, N·max|A|·max|B|).
 */
export function compareProducts(b: MatmulBatch, claimed: MatmulProducts, rtol = 1e-9): ProductComparison {
  const N = b.size;
  if (claimed.products.length !== b.count) {
    return { agree: false, exact: claimed.arithmetic === 'rational', agreeing: 0, maxAbsError: Infinity, maxRelError: Infinity, rtol };
  }
  const scale = Math.max(1, N * maxAbsOf(b, 'A') * maxAbsOf(b, 'B'));
  let agreeing = 0;
  let maxAbsError = 0;
  let firstMismatch: ProductComparison['firstMismatch'];
  if (claimed.arithmetic === 'rational') {
    const direct = directProducts(b, 'rational');
    claimed.products.forEach((P, t) => {
      const D = direct.products[t] as readonly Rational[];
      let ok = P.length === N * N;
      for (let e = 0; ok && e < N * N; e++) {
        if (!RATIONAL.equals(P[e]!, D[e]!)) {
          ok = false;
          maxAbsError = Math.max(maxAbsError, Math.abs(rationalToNumber(RATIONAL.sub(P[e]!, D[e]!))));
          firstMismatch ??= { pair: t, row: Math.floor(e / N), col: e % N, recovered: formatRational(P[e]!), direct: formatRational(D[e]!) };
        }
      }
      if (ok) agreeing++;
    });
    return { agree: agreeing === b.count, exact: true, agreeing, maxAbsError, maxRelError: maxAbsError / scale, rtol: 0, firstMismatch };
  }
  const direct = directProducts(b, 'float64');
  claimed.products.forEach((P, t) => {
    const D = direct.products[t] as Float64Array;
    let ok = P.length === N * N;
    for (let e = 0; ok && e < N * N; e++) {
      const err = Math.abs(P[e]! - D[e]!);
      if (!(err <= rtol * scale)) {
        ok = false;
        firstMismatch ??= { pair: t, row: Math.floor(e / N), col: e % N, recovered: String(P[e]), direct: String(D[e]) };
      }
      if (!(err <= maxAbsError)) maxAbsError = Number.isNaN(err) ? Infinity : err;
    }
    if (ok) agreeing++;
  });
  return { agree: agreeing === b.count, exact: false, agreeing, maxAbsError, maxRelError: maxAbsError / scale, rtol, firstMismatch };
}

function maxAbsOf(b: MatmulBatch, which: 'A' | 'B'): number {
  let m = 0;
  for (const p of b.pairs) for (let i = 0; i < p[which].length; i++) m = Math.max(m, Math.abs(p[which][i]!));
  return m;
}

/** Verification for the problem catalogue: exact equality with direct multiplication (float64 within rtol). */
export function verifyMatmulProducts(b: MatmulBatch, claimed: MatmulProducts): boolean {
  return compareProducts(b, claimed).agree;
}
