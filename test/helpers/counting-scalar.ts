import type { Scalar } from '../../src/autodiff/scalar.js';

/**
 * A scalar type with every arithmetic call counted: the autodiff tests compare the tape's per-op
 * counts (src/autodiff/tape.ts) with the number of calls actually made.
 */
const OPS = ['add', 'sub', 'mul', 'div', 'neg', 'exp', 'gt'] as const;

export type CallCounts = Record<(typeof OPS)[number], number>;

const zeroCounts = (): CallCounts => ({ add: 0, sub: 0, mul: 0, div: 0, neg: 0, exp: 0, gt: 0 });

/** The same scalar type, with every arithmetic call counted in `counts`. */
export function countingScalar<T>(base: Scalar<T>): { scalar: Scalar<T>; counts: CallCounts; total(): number; reset(): void } {
  const counts = zeroCounts();
  const scalar: Scalar<T> = {
    ...base,
    add: (a, b) => (counts.add++, base.add(a, b)),
    sub: (a, b) => (counts.sub++, base.sub(a, b)),
    mul: (a, b) => (counts.mul++, base.mul(a, b)),
    div: (a, b) => (counts.div++, base.div(a, b)),
    neg: (a) => (counts.neg++, base.neg(a)),
    exp: (a) => (counts.exp++, base.exp(a)),
    gt: (a, b) => (counts.gt++, base.gt(a, b)),
  };
  return {
    scalar,
    counts,
    total: () => OPS.reduce((sum, k) => sum + counts[k], 0),
    reset: () => {
      for (const k of OPS) counts[k] = 0;
    },
  };
}
