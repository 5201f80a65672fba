import { exactAttentionCost } from '../engine/cost.js';
import { createPolyEngine, degreeFor, logRank, scoreRange, activeQkColumns } from '../engine/poly.js';
import { evaluateReference, matmul } from '../engine/reference.js';
import { UserError } from '../errors.js';
import type { MemoryBudget } from '../memory.js';
import type { TransformerModel } from '../problems/transformer.js';
import { buildInstance, decide, type ArenaInstance, type Known } from './suites.js';

/**
 * The threshold suite (Alman and Song, NeurIPS 2023: with d = O(log n), entries B = o(√log n)
 * allow n^{1+o(1)}-time approximation, B = Θ(√log n) is SETH-hard), in miniature: ov-to-attention
 * instances with small width, built with β swept from far below to the correctness bound
 * 2⌈log₂(40n)⌉, balanced (√β in W_Q and in W_K, so B = max |entry of Q, K| = 2√β). At every point:
 *  - whether the exact engine decides right (the reduction needs large entries to be correct);
 *  - the smallest degree g at which poly's output is within 1/(10n) of exact, found by trying
 *    g = 0, 1, 2, … (measured, not the a-priori bound), its rank C(m′+1+g, g) and its flops over
 *    exact attention's 4n²m; the scan stops once the cost passes `maxCostRatio` × exact (then poly
 *    is not fast there, whatever degree would finally do) or the rank passes `maxRank`;
 *  - the a-priori degree from the Chebyshev bound, for comparison.
 */
export interface ThresholdConfig {
  sizes: number[];
  dim: number;
  betas: (number | 'bound')[];
  seeds: number[];
  maxCostRatio: number;
  maxRank: number;
}

export const THRESHOLD_DEFAULT: ThresholdConfig = {
  sizes: [32, 128, 512],
  dim: 3,
  betas: [0.25, 0.5, 1, 2, 4, 8, 16, 'bound'],
  seeds: [0, 1],
  maxCostRatio: 4,
  maxRank: 30000,
};

export interface ThresholdPoint {
  instance: string;
  tokens: number;
  sizeA: number;
  dim: number;
  beta: number;
  betaBound: number;
  /** max |entry| of the projected Q and K: Alman–Song's B */
  B: number;
  /** B / √(ln n) */
  x: number;
  /** the scores' half-range h (poly's interval) */
  halfRange: number;
  known: Known;
  exactDecided: Known;
  exactCorrect: boolean;
  exactMargin: number;
  /** smallest degree within 1/(10n), or null when the scan stopped first */
  polyDegree: number | null;
  polyRank: number | null;
  polyCostRatio: number | null;
  polyError: number | null;
  /** the last degree tried and its cost ratio (the lower bound when polyDegree is null) */
  scannedDegree: number;
  scannedCostRatio: number;
  /** the degree the a-priori bound asks for, and its rank */
  boundDegree: number;
  boundRank: number;
  polyMs: number;
}

function projectedMaxEntry(model: TransformerModel): number {
  const { tokens: n, width: m } = model;
  const w = model.weights[0]![0]!;
  let b = 0;
  for (const M of [matmul(model.X, n, m, w.Q, m), matmul(model.X, n, m, w.K, m)]) for (const v of M) b = Math.max(b, Math.abs(v));
  return b;
}

export async function runThreshold(
  c: ThresholdConfig,
  budget: MemoryBudget,
  onProgress?: (done: number, total: number, what: string) => void,
): Promise<ThresholdPoint[]> {
  const points: ThresholdPoint[] = [];
  const total = c.sizes.length * c.betas.length * c.seeds.length * 2;
  let done = 0;
  for (const size of c.sizes) {
    for (const b of c.betas) {
      for (const seed of c.seeds) {
        for (const yes of [true, false]) {
          onProgress?.(done++, total, `n = ${2 * size + 1}, β = ${b}`);
          const reductionOptions: Record<string, unknown> = { balance: true, ...(b === 'bound' ? {} : { beta: b }) };
          const inst: ArenaInstance = buildInstance(
            {
              kind: 'chain',
              family: yes ? 'ov-yes' : 'ov-no',
              generator: 'ov',
              params: { size, dim: c.dim, density: 0.5, plant: yes, no: !yes },
              seed,
              to: 'attention',
              reductionOptions,
            },
            budget,
          );
          points.push(await thresholdPoint(inst, c));
        }
      }
    }
  }
  onProgress?.(total, total, 'done');
  return points;
}

async function thresholdPoint(inst: ArenaInstance, c: ThresholdConfig): Promise<ThresholdPoint> {
  const model = inst.model;
  const n = model.tokens;
  const m = model.width;
  const tol = 1 / (10 * n);
  const exact = evaluateReference(model).output;
  const d = decide(inst, exact)!;
  const exactFlops = exactAttentionCost(model).flops;
  const w = model.weights[0]![0]!;
  const Q = matmul(model.X, n, m, w.Q, m);
  const K = matmul(model.X, n, m, w.K, m);
  const cols = activeQkColumns(Q, K, n, m);
  const range = scoreRange(Q, K, n, m, model.scale, cols);
  const halfRange = (range.hi - range.lo) / 2;
  const boundDegree = degreeFor(halfRange, 1 / (20 * n));
  const B = projectedMaxEntry(model);
  const t0 = performance.now();
  let found: { g: number; rank: number; ratio: number; err: number } | null = null;
  let g = 0;
  let ratio = 0;
  for (; ; g++) {
    const rank = Math.round(Math.exp(logRank(cols.length + 1, g)));
    if (rank > c.maxRank) break;
    const r = await createPolyEngine({ degree: g, maxRank: c.maxRank }, { seed: 0 }).evaluate(model);
    ratio = r.cost!.flops / exactFlops;
    let err = 0;
    for (let i = 0; i < exact.length; i++) {
      const e = Math.abs(r.output[i]! - exact[i]!);
      if (!(e <= err)) err = e;
    }
    if (err <= tol) {
      found = { g, rank, ratio, err };
      break;
    }
    if (ratio > c.maxCostRatio) break;
  }
  const beta = model.annotations.beta;
  const betaBound = model.annotations.betaBound;
  if (typeof beta !== 'number' || typeof betaBound !== 'number') throw new UserError('threshold: the instance carries no β annotation');
  return {
    instance: inst.id,
    tokens: n,
    sizeA: (n - 1) / 2,
    dim: m - 4,
    beta,
    betaBound,
    B,
    x: B / Math.sqrt(Math.log(n)),
    halfRange,
    known: inst.known!,
    exactDecided: d.answer,
    exactCorrect: d.answer === inst.known,
    exactMargin: Math.abs(d.statistic - d.threshold),
    polyDegree: found?.g ?? null,
    polyRank: found?.rank ?? null,
    polyCostRatio: found?.ratio ?? null,
    polyError: found?.err ?? null,
    scannedDegree: found?.g ?? g,
    scannedCostRatio: found?.ratio ?? ratio,
    boundDegree,
    boundRank: Math.exp(logRank(cols.length + 1, boundDegree)),
    polyMs: performance.now() - t0,
  };
}
