import { int32Words } from './ov-brute.js';
import type { ThreeOvInstance, ThreeOvSolution } from '../problems/three-ov.js';

/**
 * 3-OV by word-parallel brute force: for every (i, j) compute the words of A_i & B_j once, then scan
 * C against them, stopping each test at the first non-zero word. O(|A|·|B|·|C|·⌈d/32⌉) word
 * operations. Independent of every reduction.
 */
export const THREE_OV_BRUTE_ORACLE = '3ov-brute (word-parallel brute force)';

function checkShapes(inst: ThreeOvInstance): number {
  const { A, B, C } = inst;
  if (A.words !== B.words || A.words !== C.words || A.dim !== B.dim || A.dim !== C.dim) {
    throw new RangeError(`A, B, C must share one dimension: got ${A.dim}, ${B.dim}, ${C.dim}`);
  }
  return A.words;
}

/**
 * Calls `visit(i, j, k)` for every zero triple in (i, j, k) lexicographic order until it returns
 * true (stop). Returns whether it was stopped.
 */
function scanZeroTriples(inst: ThreeOvInstance, visit: (i: number, j: number, k: number) => boolean): boolean {
  const words = checkShapes(inst);
  const nA = inst.A.rows;
  const nB = inst.B.rows;
  const nC = inst.C.rows;
  const a = int32Words(inst.A);
  const b = int32Words(inst.B);
  const c = int32Words(inst.C);
  if (nA === 0 || nB === 0 || nC === 0) return false;

  // The C scans test four vectors per step and branch once on the four results; a hit is resolved
  // in order, so triples are still visited in lexicographic order.
  const end4 = nC & ~3;
  if (words === 1) {
    for (let i = 0; i < nA; i++) {
      const a0 = a[i]!;
      for (let j = 0; j < nB; j++) {
        const ab = a0 & b[j]!;
        let k = 0;
        for (; k < end4; k += 4) {
          if ((ab & c[k]!) === 0 || (ab & c[k + 1]!) === 0 || (ab & c[k + 2]!) === 0 || (ab & c[k + 3]!) === 0) {
            for (let q = k; q < k + 4; q++) if ((ab & c[q]!) === 0 && visit(i, j, q)) return true;
          }
        }
        for (; k < nC; k++) if ((ab & c[k]!) === 0 && visit(i, j, k)) return true;
      }
    }
    return false;
  }

  if (words === 2) {
    for (let i = 0; i < nA; i++) {
      const a0 = a[2 * i]!;
      const a1 = a[2 * i + 1]!;
      for (let j = 0; j < nB; j++) {
        const ab0 = a0 & b[2 * j]!;
        const ab1 = a1 & b[2 * j + 1]!;
        let k = 0;
        for (; k < end4; k += 4) {
          const o = 2 * k;
          const x0 = (ab0 & c[o]!) | (ab1 & c[o + 1]!);
          const x1 = (ab0 & c[o + 2]!) | (ab1 & c[o + 3]!);
          const x2 = (ab0 & c[o + 4]!) | (ab1 & c[o + 5]!);
          const x3 = (ab0 & c[o + 6]!) | (ab1 & c[o + 7]!);
          if (x0 === 0 || x1 === 0 || x2 === 0 || x3 === 0) {
            for (let q = k; q < k + 4; q++) {
              if (((ab0 & c[2 * q]!) | (ab1 & c[2 * q + 1]!)) === 0 && visit(i, j, q)) return true;
            }
          }
        }
        for (; k < nC; k++) if (((ab0 & c[2 * k]!) | (ab1 & c[2 * k + 1]!)) === 0 && visit(i, j, k)) return true;
      }
    }
    return false;
  }

  // words ≥ 3: A_i & B_j into a scratch array, its first two words in locals tested together.
  const ab = new Int32Array(words);
  for (let i = 0; i < nA; i++) {
    const ao = i * words;
    for (let j = 0; j < nB; j++) {
      const bo = j * words;
      for (let w = 0; w < words; w++) ab[w] = a[ao + w]! & b[bo + w]!;
      const ab0 = ab[0]!;
      const ab1 = ab[1]!;
      for (let k = 0, co = 0; k < nC; k++, co += words) {
        if (((ab0 & c[co]!) | (ab1 & c[co + 1]!)) !== 0) continue;
        let w = 2;
        while (w < words && (ab[w]! & c[co + w]!) === 0) w++;
        if (w === words && visit(i, j, k)) return true;
      }
    }
  }
  return false;
}

/** The first zero triple in (i, j, k) lexicographic order, or NO. */
export function solveThreeOvBrute(inst: ThreeOvInstance): ThreeOvSolution {
  let witness: [number, number, number] | undefined;
  scanZeroTriples(inst, (i, j, k) => {
    witness = [i, j, k];
    return true;
  });
  return witness ? { answer: 'YES', witness } : { answer: 'NO' };
}

/** Number of triples (i, j, k) with Σ_t A_i[t]·B_j[t]·C_k[t] = 0. */
export function countOrthogonalTriples(inst: ThreeOvInstance): number {
  let count = 0;
  scanZeroTriples(inst, () => {
    count++;
    return false;
  });
  return count;
}

/** All zero triples in lexicographic order, at most `limit` of them. */
export function listOrthogonalTriples(inst: ThreeOvInstance, limit = Infinity): [number, number, number][] {
  const out: [number, number, number][] = [];
  if (limit <= 0) return out;
  scanZeroTriples(inst, (i, j, k) => {
    out.push([i, j, k]);
    return out.length >= limit;
  });
  return out;
}

/** Worst-case word operations of the brute force (|A|·|B|·|C|·words). */
export function threeOvTripleWordOps(inst: ThreeOvInstance): number {
  return inst.A.rows * inst.B.rows * inst.C.rows * inst.A.words;
}
