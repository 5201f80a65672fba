import fc from 'fast-check';
import { rational, rationalToNumber, type Rational } from '../../autodiff/scalar.js';
import type { MatmulBatch, MatmulNumberType } from '../../problems/matmul-batch.js';

export interface MatmulBatchConstraints {
  /** Largest N (default 5). */
  maxSize?: number;
  /** Largest number of pairs (default 6). */
  maxCount?: number;
  /** Entries in [−range, range] (numerators, for rationals; default 5). */
  range?: number;
  /** Which number types to draw (default all three). */
  numberTypes?: readonly MatmulNumberType[];
}

/**
 * matmul-batch instances: N = 1..maxSize, count = 1..maxCount, no layers/heads suggestion.
 * integer: integers in [−range, range]; rational: p/q with |p| ≤ range, q = 1..7; float: doubles
 * in [−range, range].
 */
export function matmulBatchArbitrary(c: MatmulBatchConstraints = {}): fc.Arbitrary<MatmulBatch> {
  const R = c.range ?? 5;
  const types = c.numberTypes ?? (['integer', 'rational', 'float'] as const);
  return fc
    .record({
      size: fc.integer({ min: 1, max: c.maxSize ?? 5 }),
      count: fc.integer({ min: 1, max: c.maxCount ?? 6 }),
      numberType: fc.constantFrom(...types),
    })
    .chain(({ size, count, numberType }) => {
      const N2 = size * size;
      if (numberType === 'rational') {
        const entry = fc.tuple(fc.integer({ min: -R, max: R }), fc.integer({ min: 1, max: 7 })).map(([p, q]) => rational(p, q));
        const mat = fc.array(entry, { minLength: N2, maxLength: N2 });
        return fc.array(fc.tuple(mat, mat), { minLength: count, maxLength: count }).map((ps): MatmulBatch => {
          const exact = ps.map(([A, B]) => ({ A, B }));
          const toF = (a: readonly Rational[]): Float64Array => Float64Array.from(a, rationalToNumber);
          return { count, size, numberType, pairs: exact.map((p) => ({ A: toF(p.A), B: toF(p.B) })), exact };
        });
      }
      const entry =
        numberType === 'integer'
          ? fc.integer({ min: -R, max: R })
          : fc.double({ min: -R, max: R, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
      const mat = fc.array(entry, { minLength: N2, maxLength: N2 }).map((a) => Float64Array.from(a));
      return fc
        .array(fc.tuple(mat, mat), { minLength: count, maxLength: count })
        .map((ps): MatmulBatch => ({ count, size, numberType, pairs: ps.map(([A, B]) => ({ A, B })) }));
    });
}
