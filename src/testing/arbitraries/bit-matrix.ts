import fc from 'fast-check';
import { bitMatrixFromArrays, type BitMatrix } from '../../problems/bit-matrix.js';

/** Rows of 0/1 vectors, mixing random rows with all-zero and all-one rows. */
export function bitRowsArbitrary(rows: { min: number; max: number }, dim: number): fc.Arbitrary<BitMatrix> {
  const row = fc.oneof(
    { weight: 6, arbitrary: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: dim, maxLength: dim }) },
    { weight: 1, arbitrary: fc.constant(new Array<number>(dim).fill(0)) },
    { weight: 1, arbitrary: fc.constant(new Array<number>(dim).fill(1)) },
  );
  return fc.array(row, { minLength: rows.min, maxLength: rows.max }).map((r) => bitMatrixFromArrays(r, dim));
}
