import { defaultBudget } from '../src/memory.js';
/** Fitted exponents of evaluate time on generated 3-OV → transformer instances. */
import { threeOvToTransformer } from '../reductions/3ov-to-transformer.js';
import type { Engine } from '../src/engine/types.js';
import { findGenerator } from '../src/generators/index.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { makeRng } from '../src/rng.js';
import { SEED, median, timeRuns, type Args } from './util.js';

export interface FitPoint {
  x: number;
  ms: number;
  tokens: number;
  layers: number;
  heads: number;
}

export interface Fit {
  points: FitPoint[];
  slope: number;
  slopeStdErr: number;
  intercept: number;
  expected: number;
  tolerance: number;
  /** Whether expected − tolerance ≤ slope ≤ expected + tolerance. */
  verdict: 'within' | 'outside';
}

export function fitLogLog(points: FitPoint[], expected: number, tolerance: number): Fit {
  const xs = points.map((p) => Math.log(p.x));
  const ys = points.map((p) => Math.log(p.ms));
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i]! - intercept - slope * xs[i]!) ** 2;
  const slopeStdErr = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : NaN;
  return { points, slope, slopeStdErr, intercept, expected, tolerance, verdict: Math.abs(slope - expected) <= tolerance ? 'within' : 'outside' };
}

function threeOvModel(N: number, sizeC: number, layers: number, heads: number, dim: number, seed: number): TransformerModel {
  const inst = findGenerator('3ov')!.generate(
    { size: N, sizeB: N, sizeC, dim, density: 0.8, plant: false, no: false },
    makeRng(seed),
    'bench',
    defaultBudget(),
  ).data;
  return (threeOvToTransformer.forward(inst, { layers, heads }) as { target: TransformerModel }).target;
}

export async function benchFits(args: Args, engine: Engine): Promise<{ tokens: Fit; lh: Fit; dim: number; engine: string }> {
  const dim = 20;
  const runs = Math.max(5, Math.min(args.runs, 5));
  // Small sizes get more runs (at least ~1 s of timing per point), so that noise does not tilt the fit.
  const runsFor = async (model: TransformerModel): Promise<number> => {
    const t0 = performance.now();
    await engine.evaluate(model);
    const once = performance.now() - t0;
    return Math.min(41, Math.max(runs, Math.ceil(1000 / Math.max(once, 1)) | 1));
  };
  const tokenSizes = args.quick ? [256, 512, 1024] : [512, 1024, 2048, 4096, 8192];
  const tokenPoints: FitPoint[] = [];
  for (const N of tokenSizes) {
    const model = threeOvModel(N, 4, 2, 2, dim, SEED + N);
    console.error(`fit tokens: n = ${model.tokens} …`);
    const ms = median(await timeRuns(await runsFor(model), () => engine.evaluate(model)));
    tokenPoints.push({ x: model.tokens, ms, tokens: model.tokens, layers: 2, heads: 2 });
  }
  const shapes: [number, number][] = args.quick
    ? [
        [1, 1],
        [1, 2],
        [2, 2],
        [2, 4],
      ]
    : [
        [1, 1],
        [1, 2],
        [2, 2],
        [2, 4],
        [4, 4],
        [4, 8],
        [8, 8],
      ];
  const Nfixed = args.quick ? 512 : 1024;
  const lhPoints: FitPoint[] = [];
  for (const [L, H] of shapes) {
    const model = threeOvModel(Nfixed, L * H, L, H, dim, SEED + 7 * L * H);
    console.error(`fit L·H: L = ${L}, H = ${H} …`);
    const ms = median(await timeRuns(await runsFor(model), () => engine.evaluate(model)));
    lhPoints.push({ x: L * H, ms, tokens: model.tokens, layers: L, heads: H });
  }
  return { tokens: fitLogLog(tokenPoints, 2, 0.15), lh: fitLogLog(lhPoints, 1, 0.1), dim, engine: `${engine.name} ${engine.dtype}` };
}
