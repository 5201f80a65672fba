import type { KovInstance, KovSolution } from '../problems/kov.js';

/**
 * k-OV by depth-first brute force over one vector per set, carrying the word-wise AND of the prefix:
 * a prefix whose AND is already zero is orthogonal with any completion, so the search stops there.
 * O(Π|S_i| · ⌈d/32⌉) word operations in the worst case. Independent of every reduction.
 */
export const KOV_BRUTE_ORACLE = 'kov-brute (depth-first, word-parallel)';

export function solveKovBrute(inst: KovInstance): KovSolution {
  const k = inst.sets.length;
  const words = inst.sets[0]?.words ?? 0;
  if (inst.sets.some((s) => s.words !== words || s.dim !== inst.dim)) throw new RangeError('all sets of a k-OV instance must share one dimension');
  if (k === 0 || inst.sets.some((s) => s.rows === 0)) return { answer: 'NO' };
  // prefix[l] = AND of the chosen vectors of sets 0..l−1 (prefix[0] = all ones).
  const prefix = Array.from({ length: k + 1 }, () => new Uint32Array(words));
  prefix[0]!.fill(0xffffffff);
  const pick = new Array<number>(k).fill(0);
  const search = (level: number): boolean => {
    const prev = prefix[level]!;
    if (prev.every((w) => w === 0)) {
      for (let l = level; l < k; l++) pick[l] = 0;
      return true;
    }
    if (level === k) return false;
    const s = inst.sets[level]!;
    const cur = prefix[level + 1]!;
    for (let r = 0; r < s.rows; r++) {
      for (let w = 0; w < words; w++) cur[w] = prev[w]! & s.data[r * words + w]!;
      pick[level] = r;
      if (search(level + 1)) return true;
    }
    return false;
  };
  return search(0) ? { answer: 'YES', witness: [...pick] } : { answer: 'NO' };
}
