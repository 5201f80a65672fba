import type fc from 'fast-check';
import type { ProblemId } from '../../problems/instance.js';
import { cnfArbitrary } from './cnf.js';
import { matmulBatchArbitrary } from './matmul-batch.js';
import { ovArbitrary } from './ov.js';
import { threeOvArbitrary } from './three-ov.js';

/**
 * Source instances for random testing of reductions, by problem. `maxSize` bounds the number of
 * variables (k-SAT) or of vectors per side (OV, 3-OV); dims stay small so brute force is instant.
 * A problem that can be a reduction's source needs an entry here.
 */
export const SOURCE_ARBITRARIES: Partial<Record<ProblemId, (maxSize: number) => fc.Arbitrary<unknown>>> = {
  ksat: (n) => cnfArbitrary({ maxVars: n, maxClauses: 2 * n + 4, maxWidth: 4 }),
  ov: (n) => ovArbitrary({ maxSize: n, maxDim: 6 }),
  '3ov': (n) => threeOvArbitrary({ maxSize: n, maxC: Math.max(1, Math.min(n, 6)), maxDim: 6 }),
  'matmul-batch': (n) => matmulBatchArbitrary({ maxSize: Math.max(1, Math.min(n, 5)), maxCount: 6 }),
};

export function sourceArbitrary(problem: ProblemId, maxSize: number): fc.Arbitrary<unknown> | undefined {
  return SOURCE_ARBITRARIES[problem]?.(maxSize);
}
