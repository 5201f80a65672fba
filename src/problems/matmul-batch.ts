import { rationalFromNumber, type Rational } from '../autodiff/scalar.js';
import { UserError } from '../errors.js';
import type { Provenance } from '../provenance.js';

/**
 * matmul-batch: `count` pairs (A_t, B_t) of size×size matrices; the task is every product A_t·B_t.
 * The source problem of the large-embedding regime (docs/model.md §4): with count = L·H, one gradient
 * of one L-layer, H-head transformer of N + 1 tokens and width N gives all of them.
 *
 * Entries are integers (default), exact rationals, or floats:
 *  - 'integer':  JSON numbers that are safe integers (|x| ≤ 2^53 − 1);
 *  - 'rational': safe-integer JSON numbers or strings "p", "p/q", "−1.25" (any size, exact);
 *  - 'float':    any finite JSON numbers.
 * In memory every matrix is a row-major Float64Array (exact for integer and float instances);
 * rational instances also keep their exact entries in `exact`.
 *
 * This file: the model and its sizes; the JSON form and validation are in matmul-batch-json.ts,
 * direct multiplication and the comparison of products in matmul-batch-products.ts.
 */
export type MatmulNumberType = 'integer' | 'rational' | 'float';

export interface MatmulPair {
  /** size×size, row-major (the nearest doubles for rational instances). */
  readonly A: Float64Array;
  readonly B: Float64Array;
}

export interface ExactPair {
  readonly A: readonly Rational[];
  readonly B: readonly Rational[];
}

export interface MatmulBatch {
  readonly count: number;
  readonly size: number;
  /** Suggested split count = layers × heads for the transformer (optional; checked when given). */
  readonly layers?: number | undefined;
  readonly heads?: number | undefined;
  readonly numberType: MatmulNumberType;
  readonly pairs: readonly MatmulPair[];
  /** Exact entries, present iff numberType = 'rational'. */
  readonly exact?: readonly ExactPair[] | undefined;
  provenance?: Provenance | undefined;
}

/** The products, exact (rationals) or float64, one size×size row-major matrix per pair. */
export type MatmulProducts =
  | { readonly arithmetic: 'rational'; readonly products: readonly (readonly Rational[])[] }
  | { readonly arithmetic: 'float64'; readonly products: readonly Float64Array[] };

/**
 * Where layers/heads are inconsistent with count (both given: layers × heads = count; one given:
 * it divides count), or null.
 */
export function layoutProblem(count: number, layers: number | undefined, heads: number | undefined): { field: 'layers' | 'heads'; message: string } | null {
  if (layers !== undefined && heads !== undefined && layers * heads !== count) {
    return {
      field: 'layers',
      message: `layers × heads must equal count (one head per pair): layers = ${layers}, heads = ${heads} gives ${layers * heads}, but count = ${count}`,
    };
  }
  if (layers !== undefined && heads === undefined && count % layers !== 0) {
    return { field: 'layers', message: `layers = ${layers} does not divide count = ${count} (layers × heads must equal count)` };
  }
  if (heads !== undefined && layers === undefined && count % heads !== 0) {
    return { field: 'heads', message: `heads = ${heads} does not divide count = ${count} (layers × heads must equal count)` };
  }
  return null;
}

/**
 * Layers and heads for `count` pairs: options first, then the instance's suggestion, then L = 1,
 * H = count. Throws a UserError naming the option when layers × heads ≠ count.
 */
export function resolveLayout(
  count: number,
  options: { layers?: number | undefined; heads?: number | undefined },
  suggested: { layers?: number | undefined; heads?: number | undefined } = {},
): { layers: number; heads: number } {
  for (const [name, v] of [
    ['layers', options.layers],
    ['heads', options.heads],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UserError(`--${name} must be a positive integer, got ${v}`);
  }
  let { layers, heads } = options;
  if (layers === undefined && heads === undefined) ({ layers, heads } = suggested);
  const problem = layoutProblem(count, layers, heads);
  if (problem) throw new UserError(`--${problem.field}: ${problem.message}`);
  if (layers === undefined && heads === undefined) return { layers: 1, heads: count };
  if (layers === undefined) return { layers: count / heads!, heads: heads! };
  if (heads === undefined) return { layers, heads: count / layers };
  return { layers, heads };
}

/**
 * Sizes as reductions see them: count, N, the largest |entry|, and the layout the file suggests
 * (layers/heads, 0 when the file names none).
 */
export function matmulBatchSizes(b: MatmulBatch): { count: number; size: number; maxAbs: number; layers: number; heads: number } {
  return { count: b.count, size: b.size, maxAbs: matmulMaxAbs(b), layers: b.layers ?? 0, heads: b.heads ?? 0 };
}

/** Largest |entry| over every A and B (of the float64 form). */
export function matmulMaxAbs(b: MatmulBatch): number {
  let m = 0;
  for (const p of b.pairs) {
    for (const M of [p.A, p.B]) {
      for (let i = 0; i < M.length; i++) {
        const v = Math.abs(M[i]!);
        if (v > m) m = v;
      }
    }
  }
  return m;
}

/** Exact entries of every pair: the rational ones, or the integers/doubles taken exactly. */
export function exactPairs(b: MatmulBatch): ExactPair[] {
  if (b.numberType === 'rational' && b.exact) return b.exact.map((p) => ({ A: p.A.slice(), B: p.B.slice() }));
  return b.pairs.map((p) => ({ A: Array.from(p.A, rationalFromNumber), B: Array.from(p.B, rationalFromNumber) }));
}

/** True when exact rational arithmetic is the natural mode (integer or rational entries). */
export function isExactInstance(b: MatmulBatch): boolean {
  return b.numberType === 'integer' || b.numberType === 'rational';
}
