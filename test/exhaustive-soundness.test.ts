import { afterAll, describe, expect, it } from 'vitest';
import { REDUCTIONS } from '../reductions/index.js';
import type { ProblemId } from '../src/problems/instance.js';
import { bitMatrixFromArrays } from '../src/problems/bit-matrix.js';
import { cnfFromClauses, type Cnf } from '../src/problems/ksat.js';
import type { OvInstance } from '../src/problems/ov.js';
import { problemSpec } from '../src/problems/registry.js';
import type { ThreeOvInstance } from '../src/problems/three-ov.js';
import { closedLoop } from '../src/testing/closed-loop.js';

/**
 * Exhaustive soundness: every source instance up to a small size, through every reduction from its
 * problem, under the closed loop (answer preserved in both directions — NO instances included —,
 * every YES witness mapped back and verified against the source, declared sizes = measured).
 * Random testing can miss an unsound rule that only a few small instances expose; here none is
 * skipped. Instances are enumerated up to symmetries that no reduction can tell apart in its
 * answer (variable renaming and polarity for CNFs, coordinate permutations for vectors); the
 * counts are printed (and stated in docs/reductions.md's note on soundness testing).
 *
 * Sizes: every CNF over n ≤ 3 variables with ≤ 3 distinct non-tautological clauses of width 1..3,
 * plus (n ≤ 2) each of those with an empty clause added (MiniSat, the k-SAT oracle, costs ~30 ms a
 * call, which bounds this part); every OV instance with 1..3 distinct vectors per
 * side in d ≤ 3; every 3-OV instance with 1..3 distinct vectors per set in d ≤ 2, and in d = 3
 * with 1..2 in A and B and one vector in C (a repeated vector changes no answer or witness; the
 * full d = 3, three-per-set space is ~10⁵ instances, over this suite's time budget).
 * matmul-batch-to-transformer computes (it has no NO instances) and is covered by
 * its own exact-arithmetic tests.
 */

const counts: Record<string, { instances: number; yes: number; no: number; loops: number }> = {};

async function exhaust(
  problem: ProblemId,
  sources: readonly unknown[],
  optionSets: Readonly<Record<string, readonly Record<string, unknown>[]>> = {},
): Promise<void> {
  const spec = problemSpec(problem);
  const reductions = REDUCTIONS.filter((r) => r.source === problem);
  expect(reductions.length).toBeGreaterThan(0);
  let yes = 0;
  let loops = 0;
  for (const source of sources) {
    if (!spec.solve) throw new Error(`${problem} has no oracle`);
    const truth = spec.answer(await spec.solve(source, {}));
    if (truth === 'SAT' || truth === 'YES') yes++;
    for (const r of reductions) {
      for (const opts of optionSets[r.id] ?? [{}]) {
        const out = await closedLoop(r, source, opts);
        if (out.status !== 'ok') {
          throw new Error(
            `${r.id} with ${JSON.stringify(opts)} on ${JSON.stringify(spec.toJson(source))} (oracle: ${truth}): ${out.status === 'fail' ? out.reason : `skipped: ${out.reason}`}`,
          );
        }
        loops++;
      }
    }
  }
  counts[problem] = { instances: sources.length, yes, no: sources.length - yes, loops };
}

// ------------------------------------------------------------------ CNFs up to symmetry

function allCnfs(): Cnf[] {
  const out: Cnf[] = [];
  for (let n = 1; n <= 3; n++) {
    // Non-tautological clauses of width 1..3: a sign for each variable of a non-empty subset.
    const clauses: number[][] = [];
    for (let mask = 1; mask < 1 << n; mask++) {
      const vars = Array.from({ length: n }, (_, v) => v + 1).filter((v) => mask & (1 << (v - 1)));
      for (let signs = 0; signs < 1 << vars.length; signs++) clauses.push(vars.map((v, i) => (signs & (1 << i) ? -v : v)));
    }
    const canon = (cs: readonly (readonly number[])[]): string =>
      cs
        .map((c) => [...c].sort((a, b) => a - b).join(' '))
        .sort()
        .join('|');
    const perms = permutations(n);
    const seen = new Set<string>();
    const choose = (start: number, picked: number[][]): void => {
      if (picked.length > 0 || n === 1) {
        // Canonical form: the least image under renaming and polarity flips (2^n · n! maps).
        let best: string | undefined;
        for (const p of perms) {
          for (let flip = 0; flip < 1 << n; flip++) {
            const img = canon(
              picked.map((c) =>
                c.map((l) => {
                  const v = Math.abs(l);
                  const s = (flip >> (v - 1)) & 1 ? -1 : 1;
                  return Math.sign(l) * s * p[v - 1]!;
                }),
              ),
            );
            if (best === undefined || img < best) best = img;
          }
        }
        if (!seen.has(best!)) {
          seen.add(best!);
          out.push(cnfFromClauses(n, picked));
          if (n <= 2) out.push(cnfFromClauses(n, [...picked, []])); // with an empty clause: always UNSAT
        }
      }
      if (picked.length === 3) return;
      for (let i = start; i < clauses.length; i++) choose(i + 1, [...picked, clauses[i]!]);
    };
    choose(0, []);
  }
  return out;
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n, ...p.slice(i)]));
}

// ------------------------------------------------------------------ vector sets up to coordinate permutation

/** Sets of 1..max distinct vectors of {0,1}^d (a repeated vector changes no answer), as sorted codes. */
function vectorSets(d: number, max: number): number[][] {
  const out: number[][] = [];
  const rec = (from: number, cur: number[]): void => {
    if (cur.length > 0) out.push([...cur]);
    if (cur.length === max) return;
    for (let v = from; v < 1 << d; v++) rec(v + 1, [...cur, v]);
  };
  rec(0, []);
  return out;
}

const bits = (code: number, d: number): number[] => Array.from({ length: d }, (_, k) => (code >> k) & 1);
const permuteCode = (code: number, p: readonly number[]): number => p.reduce((acc, to, from) => acc | (((code >> from) & 1) << (to - 1)), 0);

/** Keep one representative per orbit of the coordinate permutations acting on every set at once. */
function upToCoordinates(d: number, tuples: number[][][]): number[][][] {
  const perms = permutations(d);
  const seen = new Set<string>();
  const out: number[][][] = [];
  for (const t of tuples) {
    let best: string | undefined;
    for (const p of perms) {
      const img = t
        .map((set) =>
          set
            .map((c) => permuteCode(c, p))
            .sort((a, b) => a - b)
            .join(','),
        )
        .join('|');
      if (best === undefined || img < best) best = img;
    }
    if (!seen.has(best!)) {
      seen.add(best!);
      out.push(t);
    }
  }
  return out;
}

function allOv(): OvInstance[] {
  const out: OvInstance[] = [];
  for (let d = 1; d <= 3; d++) {
    const ms = vectorSets(d, 3);
    const tuples = ms.flatMap((A) => ms.map((B) => [A, B]));
    for (const [A, B] of upToCoordinates(d, tuples)) {
      out.push({
        dim: d,
        A: bitMatrixFromArrays(
          A!.map((c) => bits(c, d)),
          d,
        ),
        B: bitMatrixFromArrays(
          B!.map((c) => bits(c, d)),
          d,
        ),
      });
    }
  }
  return out;
}

function all3ov(): ThreeOvInstance[] {
  const out: ThreeOvInstance[] = [];
  for (const [d, max, maxC] of [
    [1, 2, 2],
    [2, 3, 3],
    [3, 2, 1],
  ] as const) {
    const ms = vectorSets(d, max);
    const cs = vectorSets(d, maxC);
    const tuples = ms.flatMap((A) => ms.flatMap((B) => cs.map((C) => [A, B, C])));
    for (const [A, B, C] of upToCoordinates(d, tuples)) {
      const m = (s: number[]) =>
        bitMatrixFromArrays(
          s.map((c) => bits(c, d)),
          d,
        );
      out.push({ dim: d, A: m(A!), B: m(B!), C: m(C!) });
    }
  }
  return out;
}

describe('exhaustive soundness of every reduction on all small instances', () => {
  it('k-SAT sources: ksat-to-ov, ksat-to-3ov, ksat-to-kov (k = 2, 4)', async () => {
    await exhaust('ksat', allCnfs(), { 'ksat-to-kov': [{ k: 2 }, { k: 4 }] });
    expect(counts.ksat!.no).toBeGreaterThan(20);
  }, 240_000);

  it('OV sources: ov-to-3ov, ov-to-attention', async () => {
    await exhaust('ov', allOv());
    expect(counts.ov!.no).toBeGreaterThan(100);
  }, 120_000);

  it('3-OV sources: 3ov-to-transformer (1×|C| and 2×2 multi-query), 3ov-to-causal-transformer, 3ov-to-tensor-attention, 3ov-to-ov', async () => {
    await exhaust('3ov', all3ov(), { '3ov-to-transformer': [{}, { layers: 2, heads: 2, kvGroups: 1 }] });
    expect(counts['3ov']!.no).toBeGreaterThan(100);
  }, 180_000);

  afterAll(() => console.log(`exhaustive soundness: ${JSON.stringify(counts)}`));
});
