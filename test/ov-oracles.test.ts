import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitMatrixFromArrays, emptyBitMatrix } from '../src/problems/bit-matrix.js';
import { verifyOvWitness, type OvInstance } from '../src/problems/ov.js';
import { verifyThreeOvWitness, type ThreeOvInstance } from '../src/problems/three-ov.js';
import { countOrthogonalPairs, listOrthogonalPairs, ovPairWordOps, solveOvBrute } from '../src/oracles/ov-brute.js';
import { countOrthogonalTriples, listOrthogonalTriples, solveThreeOvBrute, threeOvTripleWordOps } from '../src/oracles/three-ov-brute.js';

type Rows = number[][];

// ---- naive reference, per coordinate on plain arrays (shares no code with the oracles) ----

function naivePairs(A: Rows, B: Rows, d: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < A.length; i++) {
    for (let j = 0; j < B.length; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += A[i]![k]! * B[j]![k]!;
      if (dot === 0) out.push([i, j]);
    }
  }
  return out;
}

function naiveTriples(A: Rows, B: Rows, C: Rows, d: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < A.length; i++) {
    for (let j = 0; j < B.length; j++) {
      for (let l = 0; l < C.length; l++) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += A[i]![k]! * B[j]![k]! * C[l]![k]!;
        if (dot === 0) out.push([i, j, l]);
      }
    }
  }
  return out;
}

function ov(A: Rows, B: Rows, d: number): OvInstance {
  return { dim: d, A: bitMatrixFromArrays(A, d), B: bitMatrixFromArrays(B, d) };
}

function threeOv(A: Rows, B: Rows, C: Rows, d: number): ThreeOvInstance {
  return { dim: d, A: bitMatrixFromArrays(A, d), B: bitMatrixFromArrays(B, d), C: bitMatrixFromArrays(C, d) };
}

// ---- arbitraries: word boundaries, all-zero / all-one rows, sparse and dense rows ----

const DIMS = [1, 2, 5, 31, 32, 33, 63, 64, 65, 96, 97, 130];

function rowArb(d: number): fc.Arbitrary<number[]> {
  const zero = fc.constant(new Array<number>(d).fill(0));
  const one = fc.constant(new Array<number>(d).fill(1));
  const fromSupport = (support: number[]): number[] => {
    const r = new Array<number>(d).fill(0);
    for (const k of support) r[k] = 1;
    return r;
  };
  const sparse = fc.uniqueArray(fc.nat(d - 1), { maxLength: Math.min(d, 4) }).map(fromSupport);
  const dense = fc
    .uniqueArray(fc.nat(d - 1), { maxLength: Math.min(d, 3) })
    .map((holes) => fromSupport([...Array(d).keys()].filter((k) => !holes.includes(k))));
  const random = fc.array(fc.integer({ min: 0, max: 1 }), { minLength: d, maxLength: d });
  return fc.oneof(
    { arbitrary: zero, weight: 1 },
    { arbitrary: one, weight: 1 },
    { arbitrary: sparse, weight: 4 },
    { arbitrary: dense, weight: 2 },
    { arbitrary: random, weight: 3 },
  );
}

const dimArb = fc.oneof(fc.constantFrom(...DIMS), fc.integer({ min: 1, max: 140 }));

const ovArb = dimArb.chain((d) =>
  fc.record({
    d: fc.constant(d),
    A: fc.array(rowArb(d), { maxLength: 9 }),
    // Up to 11 so that the 4-at-a-time scan of B has full blocks and every tail length.
    B: fc.array(rowArb(d), { maxLength: 11 }),
  }),
);

const threeOvArb = dimArb.chain((d) =>
  fc.record({
    d: fc.constant(d),
    A: fc.array(rowArb(d), { maxLength: 4 }),
    B: fc.array(rowArb(d), { maxLength: 5 }),
    // Up to 9 so that the 4-at-a-time scan of C has full blocks and every tail length.
    C: fc.array(rowArb(d), { maxLength: 9 }),
  }),
);

describe('OV brute force', () => {
  it('agrees with the naive per-coordinate check (answer, first witness, count, list)', () => {
    fc.assert(
      fc.property(ovArb, ({ d, A, B }) => {
        const inst = ov(A, B, d);
        const pairs = naivePairs(A, B, d);
        const sol = solveOvBrute(inst);
        expect(sol.answer).toBe(pairs.length > 0 ? 'YES' : 'NO');
        if (pairs.length > 0) {
          expect(sol.witness).toEqual(pairs[0]);
          expect(verifyOvWitness(inst, sol.witness!)).toBe(true);
        } else {
          expect(sol.witness).toBeUndefined();
        }
        expect(countOrthogonalPairs(inst)).toBe(pairs.length);
        expect(listOrthogonalPairs(inst)).toEqual(pairs);
        expect(listOrthogonalPairs(inst, 2)).toEqual(pairs.slice(0, 2));
      }),
      { numRuns: 400 },
    );
  });

  it('returns the lexicographically first of several witnesses', () => {
    const d = 65;
    const z = new Array<number>(d).fill(0);
    const o = new Array<number>(d).fill(1);
    const e = (k: number): number[] => z.map((_, i) => (i === k ? 1 : 0));
    // A_0 = all ones (orthogonal to nothing but the zero vector), A_1 = e_64, A_2 = e_0.
    const A = [o, e(64), e(0)];
    const B = [e(64), o, e(3), z];
    const inst = ov(A, B, d);
    expect(solveOvBrute(inst)).toEqual({ answer: 'YES', witness: [0, 3] });
    expect(listOrthogonalPairs(inst)).toEqual([
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 0],
      [2, 2],
      [2, 3],
    ]);
    expect(countOrthogonalPairs(inst)).toBe(6);
  });

  it('bits in the second word matter (d = 64 and d = 33)', () => {
    for (const d of [33, 64]) {
      const a = new Array<number>(d).fill(0);
      const b = new Array<number>(d).fill(0);
      a[d - 1] = 1;
      b[d - 1] = 1;
      expect(solveOvBrute(ov([a], [b], d)).answer).toBe('NO');
      b[d - 1] = 0;
      b[0] = 1;
      expect(solveOvBrute(ov([a], [b], d)).answer).toBe('YES');
    }
  });

  it('empty lists give NO; dimension 0 makes every pair orthogonal', () => {
    expect(solveOvBrute(ov([], [[1]], 1))).toEqual({ answer: 'NO' });
    expect(solveOvBrute(ov([[1]], [], 1))).toEqual({ answer: 'NO' });
    const inst0: OvInstance = { dim: 0, A: emptyBitMatrix(2, 0), B: emptyBitMatrix(3, 0) };
    expect(solveOvBrute(inst0)).toEqual({ answer: 'YES', witness: [0, 0] });
    expect(countOrthogonalPairs(inst0)).toBe(6);
  });

  it('rejects A and B of different dimensions', () => {
    const inst: OvInstance = { dim: 40, A: emptyBitMatrix(1, 40), B: emptyBitMatrix(1, 20) };
    expect(() => solveOvBrute(inst)).toThrow(RangeError);
  });

  it('reports its word-operation bound', () => {
    expect(ovPairWordOps(ov([[1], [0]], [[1], [1], [0]], 1))).toBe(6);
    expect(ovPairWordOps({ dim: 65, A: emptyBitMatrix(3, 65), B: emptyBitMatrix(5, 65) })).toBe(45);
  });
});

describe('3-OV brute force', () => {
  it('agrees with the naive per-coordinate check (answer, first witness, count, list)', () => {
    fc.assert(
      fc.property(threeOvArb, ({ d, A, B, C }) => {
        const inst = threeOv(A, B, C, d);
        const triples = naiveTriples(A, B, C, d);
        const sol = solveThreeOvBrute(inst);
        expect(sol.answer).toBe(triples.length > 0 ? 'YES' : 'NO');
        if (triples.length > 0) {
          expect(sol.witness).toEqual(triples[0]);
          expect(verifyThreeOvWitness(inst, sol.witness!)).toBe(true);
        } else {
          expect(sol.witness).toBeUndefined();
        }
        expect(countOrthogonalTriples(inst)).toBe(triples.length);
        expect(listOrthogonalTriples(inst)).toEqual(triples);
        expect(listOrthogonalTriples(inst, 1)).toEqual(triples.slice(0, 1));
      }),
      { numRuns: 300 },
    );
  });

  it('a triple whose pairs all intersect can still be zero; the first witness is lexicographic', () => {
    // a = 110, b = 101, c = 011: every two share a 1, the three share none.
    const a = [1, 1, 0];
    const b = [1, 0, 1];
    const c = [0, 1, 1];
    const o = [1, 1, 1];
    const inst = threeOv([o, a], [o, b], [o, c, a], 3);
    expect(solveThreeOvBrute(inst)).toEqual({ answer: 'YES', witness: [1, 1, 1] });
    expect(listOrthogonalTriples(inst)).toEqual([[1, 1, 1]]);
    const inst2 = threeOv([o, a], [o, b, c], [o, c, a], 3);
    // (1,1,1) = (a,b,c); (1,2,2) = (a,c,a) = 110·011·110 → coordinate 1 is 1 in all: not zero.
    expect(listOrthogonalTriples(inst2)).toEqual(naiveTriples([o, a], [o, b, c], [o, c, a], 3));
  });

  it('word boundaries: 2-word and 3-word paths see the high bits', () => {
    for (const d of [33, 64, 65, 96]) {
      const v = (ks: number[]): number[] => Array.from({ length: d }, (_, k) => (ks.includes(k) ? 1 : 0));
      const inst = threeOv([v([0, d - 1])], [v([d - 1])], [v([d - 1, 5])], d);
      expect(solveThreeOvBrute(inst).answer).toBe('NO');
      const inst2 = threeOv([v([0, d - 1])], [v([d - 1])], [v([5])], d);
      expect(solveThreeOvBrute(inst2)).toEqual({ answer: 'YES', witness: [0, 0, 0] });
    }
  });

  it('empty lists give NO; shape mismatches throw', () => {
    expect(solveThreeOvBrute(threeOv([[1]], [[0]], [], 1))).toEqual({ answer: 'NO' });
    expect(countOrthogonalTriples(threeOv([], [[0]], [[0]], 1))).toBe(0);
    const bad: ThreeOvInstance = { dim: 3, A: emptyBitMatrix(1, 3), B: emptyBitMatrix(1, 3), C: emptyBitMatrix(1, 40) };
    expect(() => solveThreeOvBrute(bad)).toThrow(RangeError);
    expect(threeOvTripleWordOps(threeOv([[1], [1]], [[1]], [[1], [0], [1]], 1))).toBe(6);
  });
});
