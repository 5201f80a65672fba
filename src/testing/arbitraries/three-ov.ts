import fc from 'fast-check';
import type { ThreeOvInstance } from '../../problems/three-ov.js';
import { bitRowsArbitrary } from './bit-matrix.js';

export interface ThreeOvConstraints {
  maxSize?: number;
  maxC?: number;
  maxDim?: number;
}

export function threeOvArbitrary(c: ThreeOvConstraints = {}): fc.Arbitrary<ThreeOvInstance> {
  const maxSize = c.maxSize ?? 6;
  return fc
    .integer({ min: 1, max: c.maxDim ?? 6 })
    .chain((dim) =>
      fc
        .tuple(
          bitRowsArbitrary({ min: 1, max: maxSize }, dim),
          bitRowsArbitrary({ min: 1, max: maxSize }, dim),
          bitRowsArbitrary({ min: 1, max: c.maxC ?? 4 }, dim),
        )
        .map(([A, B, C]) => ({ dim, A, B, C })),
    );
}
