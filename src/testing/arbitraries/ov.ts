import fc from 'fast-check';
import type { OvInstance } from '../../problems/ov.js';
import { bitRowsArbitrary } from './bit-matrix.js';

export interface OvConstraints {
  maxSize?: number;
  maxDim?: number;
}

/** OV instances with sizes 1..maxSize (A and B may differ), d = 1..maxDim, all-zero/all-one rows. */
export function ovArbitrary(c: OvConstraints = {}): fc.Arbitrary<OvInstance> {
  const maxSize = c.maxSize ?? 6;
  return fc
    .integer({ min: 1, max: c.maxDim ?? 6 })
    .chain((dim) =>
      fc.tuple(bitRowsArbitrary({ min: 1, max: maxSize }, dim), bitRowsArbitrary({ min: 1, max: maxSize }, dim)).map(([A, B]) => ({ dim, A, B })),
    );
}
