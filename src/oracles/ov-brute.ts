import type { BitMatrix } from '../problems/bit-matrix.js';
import type { OvInstance, OvSolution } from '../problems/ov.js';

/**
 * Orthogonal Vectors by word-parallel brute force: for every pair (i, j) AND the packed 32-bit
 * words of A_i and B_j and stop at the first non-zero word. O(|A|·|B|·⌈d/32⌉) word operations,
 * no allocation in the inner loop. Independent of every reduction (it reads only the bit matrices).
 */
export const OV_BRUTE_ORACLE = 'ov-brute (word-parallel brute force)';

/**
 * The packed words viewed as signed 32-bit integers (same memory, no copy): reads then stay small
 * integers in V8, whereas Uint32Array reads of words with bit 31 set become heap doubles and slow
 * the inner loop down by about 2x. Only `& … === 0` tests are done on them, for which the sign is
 * irrelevant.
 */
export function int32Words(m: BitMatrix): Int32Array {
  return new Int32Array(m.data.buffer, m.data.byteOffset, m.data.length);
}

function checkShapes(inst: OvInstance): number {
  const { A, B } = inst;
  if (A.words !== B.words || A.dim !== B.dim) {
    throw new RangeError(`A has dim ${A.dim} (${A.words} words), B has dim ${B.dim} (${B.words} words)`);
  }
  return A.words;
}

/**
 * The first orthogonal pair in (i, j) lexicographic order, or NO.
 */
export function solveOvBrute(inst: OvInstance): OvSolution {
  const words = checkShapes(inst);
  const nA = inst.A.rows;
  const nB = inst.B.rows;
  const a = int32Words(inst.A);
  const b = int32Words(inst.B);
  if (nA === 0 || nB === 0) return { answer: 'NO' };

  if (words === 1) {
    for (let i = 0; i < nA; i++) {
      const a0 = a[i]!;
      for (let j = 0; j < nB; j++) {
        if ((a0 & b[j]!) === 0) return { answer: 'YES', witness: [i, j] };
      }
    }
    return { answer: 'NO' };
  }

  if (words === 2) {
    for (let i = 0; i < nA; i++) {
      const a0 = a[2 * i]!;
      const a1 = a[2 * i + 1]!;
      for (let j = 0, o = 0; j < nB; j++, o += 2) {
        if ((a0 & b[o]!) === 0 && (a1 & b[o + 1]!) === 0) return { answer: 'YES', witness: [i, j] };
      }
    }
    return { answer: 'NO' };
  }

  for (let i = 0; i < nA; i++) {
    const ao = i * words;
    for (let j = 0, bo = 0; j < nB; j++, bo += words) {
      let w = 0;
      while (w < words && (a[ao + w]! & b[bo + w]!) === 0) w++;
      if (w === words) return { answer: 'YES', witness: [i, j] };
    }
  }
  return { answer: 'NO' };
}

/** Number of pairs (i, j) with ⟨A_i, B_j⟩ = 0. */
export function countOrthogonalPairs(inst: OvInstance): number {
  const words = checkShapes(inst);
  const nA = inst.A.rows;
  const nB = inst.B.rows;
  const a = int32Words(inst.A);
  const b = int32Words(inst.B);
  let count = 0;

  if (words === 1) {
    for (let i = 0; i < nA; i++) {
      const a0 = a[i]!;
      for (let j = 0; j < nB; j++) if ((a0 & b[j]!) === 0) count++;
    }
    return count;
  }

  if (words === 2) {
    for (let i = 0; i < nA; i++) {
      const a0 = a[2 * i]!;
      const a1 = a[2 * i + 1]!;
      for (let j = 0, o = 0; j < nB; j++, o += 2) {
        if (((a0 & b[o]!) | (a1 & b[o + 1]!)) === 0) count++;
      }
    }
    return count;
  }

  for (let i = 0; i < nA; i++) {
    const ao = i * words;
    for (let j = 0, bo = 0; j < nB; j++, bo += words) {
      let w = 0;
      while (w < words && (a[ao + w]! & b[bo + w]!) === 0) w++;
      if (w === words) count++;
    }
  }
  return count;
}

/**
 * All orthogonal pairs in (i, j) order, at most `limit` of them (default: all). For tests and
 * small instances; memory grows with the number of pairs.
 */
export function listOrthogonalPairs(inst: OvInstance, limit = Infinity): [number, number][] {
  const words = checkShapes(inst);
  const nA = inst.A.rows;
  const nB = inst.B.rows;
  const a = int32Words(inst.A);
  const b = int32Words(inst.B);
  const out: [number, number][] = [];
  for (let i = 0; i < nA && out.length < limit; i++) {
    const ao = i * words;
    for (let j = 0, bo = 0; j < nB; j++, bo += words) {
      let w = 0;
      while (w < words && (a[ao + w]! & b[bo + w]!) === 0) w++;
      if (w === words) {
        out.push([i, j]);
        if (out.length >= limit) break;
      }
    }
  }
  return out;
}

/** Worst-case word operations of the brute force (|A|·|B|·words): the cost a caller should expect. */
export function ovPairWordOps(inst: OvInstance): number {
  return inst.A.rows * inst.B.rows * inst.A.words;
}
