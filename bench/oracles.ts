import { defaultBudget } from '../src/memory.js';
/** The brute-force OV / 3-OV oracles: word operations per second on one core. */
import { findGenerator } from '../src/generators/index.js';
import { countOrthogonalPairs, ovPairWordOps } from '../src/oracles/ov-brute.js';
import { countOrthogonalTriples, threeOvTripleWordOps } from '../src/oracles/three-ov-brute.js';
import type { OvInstance } from '../src/problems/ov.js';
import type { ThreeOvInstance } from '../src/problems/three-ov.js';
import { makeRng } from '../src/rng.js';
import { SEED, median, timeRuns, type Args } from './util.js';

export interface OracleRow {
  problem: string;
  sizes: string;
  words: number;
  wordOps: number;
  ms: number;
  opsPerSecond: number;
}

export async function benchOracles(args: Args): Promise<OracleRow[]> {
  const rows: OracleRow[] = [];
  const ov = findGenerator('ov')!;
  const three = findGenerator('3ov')!;
  const N = args.quick ? 2048 : 8192;
  for (const dim of [32, 64, 128]) {
    const inst = ov.generate({ size: N, sizeB: N, dim, density: 0.5, plant: false, no: false }, makeRng(SEED + dim), 'bench', defaultBudget())
      .data as OvInstance;
    const ops = ovPairWordOps(inst);
    const ms = median(await timeRuns(args.runs, () => countOrthogonalPairs(inst)));
    rows.push({ problem: 'OV (count all pairs)', sizes: `${N} × ${N}, d = ${dim}`, words: inst.A.words, wordOps: ops, ms, opsPerSecond: ops / (ms / 1e3) });
  }
  const n3 = args.quick ? 256 : 512;
  for (const dim of [32, 64]) {
    const inst = three.generate(
      { size: n3, sizeB: n3, sizeC: n3, dim, density: 0.9, plant: false, no: false },
      makeRng(SEED + 3 * dim),
      'bench',
      defaultBudget(),
    ).data as ThreeOvInstance;
    const ops = threeOvTripleWordOps(inst);
    const ms = median(await timeRuns(Math.min(args.runs, 5), () => countOrthogonalTriples(inst)));
    rows.push({
      problem: '3-OV (count all triples)',
      sizes: `${n3} × ${n3} × ${n3}, d = ${dim}`,
      words: inst.A.words,
      wordOps: ops,
      ms,
      opsPerSecond: ops / (ms / 1e3),
    });
  }
  return rows;
}
